from django.contrib import admin

from accounts.models import Membership, Profile, Workspace


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created"]
    # Keys are write-only everywhere: the admin neither lists nor edits them.
    exclude = ["api_key", "x_api_key", "x_api_secret"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["title", "workspace", "ref_id", "archived_at"]
    list_filter = ["workspace"]
    exclude = ["profile_key"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role"]
    list_filter = ["role", "workspace"]
