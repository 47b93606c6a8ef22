from django.urls import path  # noqa: F401 - used by the sections below

urlpatterns = [
    # --- sign-in, sign-out, passwords (accounts/signin.py) ---
    # --- workspaces and profiles (accounts/views.py) ---
    # --- members and invitations (accounts/members.py) ---
]
