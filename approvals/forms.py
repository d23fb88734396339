"""Staff forms: a step decision (with the committee's document) and the firm's routing settings."""

from django import forms

from rebalance_site.input_guard import FirmConstraintsMixin

from .choices import StepRole
from .models import ApprovalSettings, RoutingRule

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


class StepDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("decline", "Decline")], widget=forms.RadioSelect
    )
    comment = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    document = forms.FileField(
        required=False, help_text="Committee documentation: PDF, PNG or JPEG, at most 10 MB."
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("comment") or "").strip():
            self.add_error(
                "comment",
                "A decline needs a written reason: say in the comment why the proposal "
                "should not be traded.",
            )
        return data

    def clean_document(self):
        doc = self.cleaned_data.get("document")
        if doc is None:
            return None
        if doc.size > DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(
                f"The document is {doc.size / 1_048_576:.1f} MB; the limit is 10 MB."
            )
        head = doc.read(8)
        doc.seek(0)
        sniffed = (
            "application/pdf"
            if head.startswith(b"%PDF")
            else "image/png"
            if head.startswith(b"\x89PNG")
            else "image/jpeg"
            if head.startswith(b"\xff\xd8")
            else None
        )
        if sniffed is None:
            raise forms.ValidationError("The document must be a PDF, PNG or JPEG file.")
        return doc


class RoutingRuleForm(FirmConstraintsMixin, forms.ModelForm):
    steps = forms.MultipleChoiceField(
        choices=StepRole.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Internal steps run first, the client's consent last.",
    )

    class Meta:
        model = RoutingRule
        fields = ["name", "kind", "min_value", "max_value", "steps", "window_amount", "window_unit"]

    def clean_steps(self):
        order = list(StepRole.values)
        return sorted(self.cleaned_data["steps"], key=order.index)

    def clean(self):
        data = super().clean()
        low, high = data.get("min_value"), data.get("max_value")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError("The lowest value covered must not be above the highest.")
        if data.get("kind") == "value":
            self._check_overlap(low, high)
        return data

    def _check_overlap(self, low, high):
        others = RoutingRule.objects.filter(kind="value").exclude(pk=self.instance.pk)
        for other in others:
            if (high is None or other.min_value is None or other.min_value <= high) and (
                low is None or other.max_value is None or low <= other.max_value
            ):
                raise forms.ValidationError(
                    f"These bounds overlap the tier “{other.name}”; each account value must match "
                    "one tier."
                )


class ApprovalSettingsForm(forms.ModelForm):
    class Meta:
        model = ApprovalSettings
        fields = [
            "expiry_policy",
            "committee_quorum",
            "exception_first",
            "exception_max_value",
            "exception_max_turnover_pct",
            "reprice_tolerance_pct",
            "reconsent_tolerance_pct",
            "signing_code_required",
        ]

    def clean(self):
        data = super().clean()
        reprice, reconsent = data.get("reprice_tolerance_pct"), data.get("reconsent_tolerance_pct")
        if reprice is not None and reconsent is not None and reprice > reconsent:
            self.add_error(
                "reconsent_tolerance_pct",
                "Asking the client again must start at or above the re-pricing tolerance.",
            )
        if data.get("committee_quorum") == 0:
            self.add_error("committee_quorum", "A committee quorum is at least 1.")
        return data
