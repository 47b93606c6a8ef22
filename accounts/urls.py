from django.urls import path  # noqa: F401 - used by the sections below

from accounts import members, signin, views

urlpatterns = [
    # --- sign-in, sign-out, passwords (accounts/signin.py) ---
    path("accounts/login/", signin.login, name="login"),
    path("accounts/logout/", signin.logout, name="logout"),
    path("accounts/password_change/", signin.password_change, name="password_change"),
    path(
        "accounts/password_change/done/",
        signin.password_change_done,
        name="password_change_done",
    ),
    path("accounts/password_reset/", signin.password_reset, name="password_reset"),
    path("accounts/password_reset/done/", signin.password_reset_done, name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        signin.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", signin.password_reset_complete, name="password_reset_complete"),
    # --- workspaces and profiles (accounts/views.py) ---
    path("workspaces/new/", views.workspace_new, name="workspace_new"),
    path("w/<slug:workspace>/settings/", views.workspace_settings, name="workspace_settings"),
    path(
        "logos/<str:sha256>.<str:extension>",
        views.workspace_logo,
        name="workspace_logo",
    ),
    path(
        "w/<slug:workspace>/settings/logo/remove/",
        views.workspace_logo_remove,
        name="workspace_logo_remove",
    ),
    path("w/<slug:workspace>/settings/test/", views.test_connection, name="test_connection"),
    path("w/<slug:workspace>/profiles/", views.profiles, name="profiles"),
    path("w/<slug:workspace>/profiles/add/", views.profile_add, name="profile_add"),
    path("w/<slug:workspace>/profiles/import/", views.profiles_import, name="profiles_import"),
    path("w/<slug:workspace>/profiles/<int:profile_id>/", views.profile_edit, name="profile_edit"),
    path(
        "w/<slug:workspace>/profiles/<int:profile_id>/archive/",
        views.profile_archive,
        name="profile_archive",
    ),
    path(
        "w/<slug:workspace>/profiles/<int:profile_id>/remove/",
        views.profile_remove,
        name="profile_remove",
    ),
    # --- members and invitations (accounts/members.py) ---
    path("w/<slug:workspace>/members/", members.members, name="members"),
    path("w/<slug:workspace>/members/invite/", members.invite, name="invite"),
    path(
        "w/<slug:workspace>/members/<int:membership_id>/",
        members.member_update,
        name="member_update",
    ),
    path(
        "w/<slug:workspace>/members/<int:membership_id>/remove/",
        members.member_remove,
        name="member_remove",
    ),
    path(
        "w/<slug:workspace>/invitations/<int:invitation_id>/revoke/",
        members.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", members.invitation, name="invitation"),
]
