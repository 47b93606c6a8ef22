from django.contrib import admin
from django.urls import include, path

from accounts import signin
from dashboard import agency, audience, health, post_detail, posts, status, views
from dashboard.reports import send_views, share_views
from dashboard.reports import views as reports

urlpatterns = [
    path("", views.start, name="start"),
    path("healthz", health.healthz, name="healthz"),
    path("w/<slug:workspace>/", views.home, name="home"),
    path("w/<slug:workspace>/posts/", posts.posts, name="posts"),
    path("w/<slug:workspace>/profile-matches/", views.profile_matches, name="profile_matches"),
    path("w/<slug:workspace>/posts/export.csv", posts.posts_export, name="posts_export"),
    path("w/<slug:workspace>/posts/columns/", posts.posts_columns, name="posts_columns"),
    path("w/<slug:workspace>/posts/<int:post_id>/", post_detail.post_detail, name="post_detail"),
    path("w/<slug:workspace>/agency/", agency.agency, name="agency"),
    path("w/<slug:workspace>/audience/", audience.audience, name="audience"),
    path("w/<slug:workspace>/sync/", status.sync_status, name="sync_status"),
    path("w/<slug:workspace>/sync/refresh/", status.refresh, name="sync_refresh"),
    path("w/<slug:workspace>/reports/", reports.report_list, name="reports"),
    path("w/<slug:workspace>/reports/new/", reports.report_new, name="report_new"),
    path("w/<slug:workspace>/reports/<int:report_id>/", reports.report, name="report"),
    path(
        "w/<slug:workspace>/reports/<int:report_id>/edit/",
        reports.report_edit,
        name="report_edit",
    ),
    path(
        "w/<slug:workspace>/reports/<int:report_id>/delete/",
        reports.report_delete,
        name="report_delete",
    ),
    path(
        "w/<slug:workspace>/reports/<int:report_id>/schedule/",
        send_views.report_schedule,
        name="report_schedule",
    ),
    path(
        "w/<slug:workspace>/reports/<int:report_id>/schedule/recipients/<int:recipient_id>/resubscribe/",
        send_views.recipient_resubscribe,
        name="recipient_resubscribe",
    ),
    path(
        "w/<slug:workspace>/reports/<int:report_id>/sends/",
        send_views.report_sends,
        name="report_sends",
    ),
    path(
        "w/<slug:workspace>/reports/<int:report_id>/sends/<int:send_id>/pdf/",
        send_views.send_pdf,
        name="send_pdf",
    ),
    path(
        "w/<slug:workspace>/reports/<int:report_id>/sends/<int:send_id>/approve/",
        send_views.send_approve,
        name="send_approve",
    ),
    path(
        "w/<slug:workspace>/reports/<int:report_id>/sends/<int:send_id>/skip/",
        send_views.send_skip,
        name="send_skip",
    ),
    path("reports/unsubscribe/<str:token>/", send_views.unsubscribe, name="report_unsubscribe"),
    path(
        "w/<slug:workspace>/reports/<int:report_id>/share/",
        share_views.report_share,
        name="report_share",
    ),
    path(
        "w/<slug:workspace>/reports/<int:report_id>/share/<int:link_id>/revoke/",
        share_views.share_link_revoke,
        name="share_link_revoke",
    ),
    # A report's live link: outside /w/, for people without an account.
    path("s/<str:token>/", share_views.shared_report, name="shared_report"),
    path(
        "w/<slug:workspace>/reports/<int:report_id>/pdf/",
        reports.report_pdf,
        name="report_pdf",
    ),
    path(
        "w/<slug:workspace>/reports/<int:report_id>/pdf/<int:file_id>/",
        reports.report_pdf_status,
        name="report_pdf_status",
    ),
    path(
        "w/<slug:workspace>/reports/<int:report_id>/pdf/<int:file_id>/download/",
        reports.report_pdf_download,
        name="report_pdf_download",
    ),
    # Opened by the PDF renderer with a short-lived signed link; no session, no workspace.
    path("reports/print/<str:token>/", reports.report_print, name="report_print"),
    path("", include("accounts.urls")),
    path("admin/login/", signin.admin_login),
    path("admin/", admin.site.urls),
]
