from django.contrib import admin
from django.urls import include, path

from accounts import signin
from dashboard import agency, audience, health, post_detail, posts, status, views

urlpatterns = [
    path("", views.start, name="start"),
    path("healthz", health.healthz, name="healthz"),
    path("w/<slug:workspace>/", views.home, name="home"),
    path("w/<slug:workspace>/posts/", posts.posts, name="posts"),
    path("w/<slug:workspace>/posts/export.csv", posts.posts_export, name="posts_export"),
    path("w/<slug:workspace>/posts/columns/", posts.posts_columns, name="posts_columns"),
    path("w/<slug:workspace>/posts/<int:post_id>/", post_detail.post_detail, name="post_detail"),
    path("w/<slug:workspace>/agency/", agency.agency, name="agency"),
    path("w/<slug:workspace>/audience/", audience.audience, name="audience"),
    path("w/<slug:workspace>/sync/", status.sync_status, name="sync_status"),
    path("w/<slug:workspace>/sync/refresh/", status.refresh, name="sync_refresh"),
    path("", include("accounts.urls")),
    path("admin/login/", signin.admin_login),
    path("admin/", admin.site.urls),
]
