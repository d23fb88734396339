"""The client's decision forms: approve with an e-signature, or decline."""

from django import forms


def _normal(name: str) -> str:
    return " ".join(name.split()).casefold()


class ApproveForm(forms.Form):
    consent = forms.BooleanField(
        label="I have read the disclosures above and agree to sign this proposal electronically.",
        error_messages={
            "required": (
                "Tick the consent box to sign electronically (or decline and ask for paper)."
            )
        },
    )
    typed_name = forms.CharField(
        label="Type your full name to sign",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    content_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # Checked by the service (approvals.services.signing) where the firm asks for a code;
    # blank otherwise.
    signing_code = forms.CharField(
        label="Code from your email",
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, expected_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected_name = expected_name

    def clean_typed_name(self):
        name = self.cleaned_data["typed_name"].strip()
        if _normal(name) != _normal(self.expected_name):
            raise forms.ValidationError(
                f"Type your full name as it appears on your account: {self.expected_name}."
            )
        return name


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Why are you declining? (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
