"""Forms of the compliance pages."""

import json

from django import forms
from django.core.exceptions import ValidationError

from drift.calc.rule_params import params_validate
from drift.models import ComplianceRule
from portfolios.models import Security
from rebalance_site.input_guard import JsonRefused, strict_json_loads


class OverrideForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=True,
        strip=True,
        error_messages={"required": "An override needs a written reason."},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, strip=True)


class PairForm(forms.Form):
    first = forms.ModelChoiceField(queryset=Security.objects.none(), label="Security")
    second = forms.ModelChoiceField(
        queryset=Security.objects.none(), label="Substantially identical to"
    )
    note = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        securities = Security.objects.exclude(security_type="cash").order_by("symbol")
        self.fields["first"].queryset = securities
        self.fields["second"].queryset = securities

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("first") == data.get("second"):
            raise ValidationError("Choose two different securities.")
        return data


class RuleForm(forms.ModelForm):
    params = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="JSON; see the defaults for the fields of each kind.",
    )

    class Meta:
        model = ComplianceRule
        fields = ["severity", "enabled", "params"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["params"] = json.dumps(self.instance.params, indent=2)

    def clean_params(self):
        try:
            params = strict_json_loads(self.cleaned_data["params"])
        except JsonRefused as exc:
            raise ValidationError(f"The parameters are not accepted: {exc}") from exc
        return params_validate(self.instance.kind, params)
