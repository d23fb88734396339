"""Forms of the people and keys pages, and of accepting an invitation."""

from django import forms
from django.contrib.auth import password_validation

from firms.choices import ROLE_RANK, STAFF_ROLES, Role
from firms.models import Invitation, Membership


def _staff_role_choices(actor: Membership) -> list[tuple[str, str]]:
    return [
        (r.value, r.label)
        for r in Role
        if r in STAFF_ROLES and ROLE_RANK[r] <= ROLE_RANK.get(actor.role, -1)
    ]


class StaffInviteForm(forms.Form):
    email = forms.EmailField()
    name = forms.CharField(max_length=200, required=False)
    role = forms.ChoiceField()

    def __init__(self, *args, actor: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _staff_role_choices(actor)


class ClientInviteForm(forms.Form):
    """The client is named by the email on their client record (as imported)."""

    client_email = forms.EmailField(label="Client's email (as on their client record)")

    def clean_client_email(self):
        email = self.cleaned_data["client_email"].strip().lower()
        # The client model belongs to a later stage (portfolios): reached through the
        # invitation's own relation, never imported here. The request's firm scope limits it.
        client_model = Invitation._meta.get_field("client").related_model
        found = list(client_model.objects.filter(email__iexact=email)[:2])
        if not found:
            raise forms.ValidationError(f"No client of your firm has the email {email}.")
        if len(found) > 1:
            raise forms.ValidationError(
                f"Several client records have the email {email}; give each its own email first."
            )
        self.client = found[0]
        return email


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “CRM sync”.")
    member = forms.ModelChoiceField(queryset=Membership.objects.none(), empty_label=None)
    role = forms.ChoiceField(
        required=False,
        help_text="The token acts with this role (the role matrix limits it); "
        "empty: the member's own role.",
    )

    def __init__(self, *args, actor: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            Membership.objects.exclude(role=Role.CLIENT).select_related("user").order_by("role")
        )
        self.fields["member"].initial = actor.pk
        self.fields["member"].label_from_instance = lambda m: (
            f"{m.display_name} ({m.get_role_display()})"
        )
        self.fields["role"].choices = [("", "The member's own role")] + [
            (r.value, r.label) for r in Role if r in STAFF_ROLES
        ]


class AcceptInviteForm(forms.Form):
    name = forms.CharField(max_length=200, required=False, label="Your name")
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif p1:
            try:
                password_validation.validate_password(p1)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
