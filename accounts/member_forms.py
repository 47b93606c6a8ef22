"""Forms for inviting people, changing a member's role, and signing up from an invitation."""

from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.invitations import assignable_roles
from accounts.models import Membership, Profile

Role = Membership.Role


class RoleForm(forms.Form):
    """A role and, for clients, the profiles they may see."""

    role = forms.ChoiceField()
    profiles = forms.ModelMultipleChoiceField(
        queryset=Profile.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Clients see only these profiles; other roles see every profile.",
    )

    def __init__(self, actor, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role.value, role.label) for role in assignable_roles(actor)]
        self.fields["profiles"].queryset = Profile.objects.filter(
            workspace=actor.workspace, archived_at__isnull=True
        )

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.CLIENT and not data.get("profiles"):
            self.add_error(
                "profiles", "Pick at least one profile: a client sees only the profiles assigned."
            )
        return data


class InviteForm(RoleForm):
    email = forms.EmailField()

    field_order = ["email", "role", "profiles"]


class SignupForm(UserCreationForm):
    """A new account for someone who opened an invitation link."""

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
