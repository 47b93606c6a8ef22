"""Forms for inviting people, changing a member's role, and signing up from an invitation."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from accounts.forms import ProfileChoiceField
from accounts.invitations import assignable_roles
from accounts.models import Membership, Profile

Role = Membership.Role


class RoleForm(forms.Form):
    """A role and, for clients, the profiles they may see."""

    role = forms.ChoiceField()
    # One query for all ids, and an id past 64 bits is refused rather than overflowing SQLite.
    profiles = ProfileChoiceField(
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
    # Binding an invitation to its address is the default; an open link is a choice.
    open_link = forms.BooleanField(
        required=False, label="Anyone with the link may join (not only this address)"
    )

    field_order = ["email", "role", "profiles", "open_link"]


class SignupForm(UserCreationForm):
    """A new account for someone who opened an invitation link."""

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def __init__(self, *args, bound_to=None, **kwargs):
        """`bound_to`: the address a bound invitation is for; the account gets it whatever is
        posted (a disabled field keeps its initial value)."""
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        if bound_to:
            self.initial["email"] = bound_to
            self.fields["email"].disabled = True
            self.fields["email"].help_text = "This invitation is for this address."

    def clean_email(self):
        # One account per address: a password reset or a bound invitation for it must mean one
        # person. Compared as password resets compare addresses (case-insensitively).
        email = self.cleaned_data["email"]
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this address exists already: sign in with it to accept the "
                "invitation (or reset its password if you have forgotten it).",
                code="email_taken",
            )
        return email
