"""Forms of the compliance pages."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from drift.calc.rule_params import BOUNDS, params_validate
from drift.choices import RuleKind
from drift.models import ComplianceRule
from portfolios.choices import RiskProfile, SecurityType
from portfolios.models import Security


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label="Reason for clearing it (kept in the audit trail)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=True,
        strip=True,
        error_messages={"required": "An override needs a written reason."},
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Reason for rejecting it (optional, kept in the audit trail)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        strip=True,
    )


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
    """Severity, on/off, and the rule kind's parameters as fields of their own (the suitability
    rule: an equity band, low and high, per risk profile); validated by params_validate."""

    class Meta:
        model = ComplianceRule
        fields = ["severity", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind, params = self.instance.kind, self.instance.params or {}
        for name, field in parameter_fields(kind).items():
            field.initial = initial_value(kind, name, params)
            self.fields[name] = field

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.cleaned_params = params_validate(
                self.instance.kind, params_from(self.instance.kind, data)
            )
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return data

    def save(self, commit=True):
        rule = super().save(commit=False)
        rule.params = self.cleaned_params
        if commit:
            rule.save()
        return rule


def _band(label: str) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=9, decimal_places=6)


def parameter_fields(kind: str) -> dict[str, forms.Field]:
    if kind == RuleKind.WASH_SALE:
        low, high = BOUNDS["window_days"]
        return {
            "window_days": forms.IntegerField(
                label="Window (days before and after a loss sale)", min_value=low, max_value=high
            )
        }
    if kind == RuleKind.CONCENTRATION:
        return {
            "max_pct": _band("Largest position (percent of the account)"),
            "security_types": forms.MultipleChoiceField(
                label="Security types it applies to",
                choices=SecurityType.choices,
                widget=forms.CheckboxSelectMultiple,
            ),
            "exempt_diversified": forms.BooleanField(
                label="Diversified funds are exempt", required=False
            ),
        }
    if kind == RuleKind.LIQUIDITY:
        return {
            "min_cash_amount": forms.DecimalField(
                label="Cash kept, at least ($)", max_digits=18, decimal_places=2
            ),
            "min_cash_pct": _band("Cash kept, at least (percent of the account)"),
        }
    if kind == RuleKind.SUITABILITY:
        fields = {}
        for profile, label in RiskProfile.choices:
            fields[f"{profile}_min"] = _band(f"{label}: equity share at least (%)")
            fields[f"{profile}_max"] = _band(f"{label}: equity share at most (%)")
        return fields
    return {}


def initial_value(kind: str, name: str, params: dict):
    if kind == RuleKind.SUITABILITY:
        profile, end = name.rsplit("_", 1)
        band = (params.get("bands") or {}).get(profile) or [None, None]
        return band[0 if end == "min" else 1]
    return params.get(name)


def params_from(kind: str, data: dict) -> dict:
    """The parameters the form's fields say, in the shape params_validate reads."""
    if kind == RuleKind.SUITABILITY:
        return {
            "bands": {p: [str(data[f"{p}_min"]), str(data[f"{p}_max"])] for p in RiskProfile.values}
        }
    params = {}
    for name in parameter_fields(kind):
        value = data.get(name)
        params[name] = str(value) if isinstance(value, Decimal) else value
    return params


def rule_parameters(rule: ComplianceRule) -> list[tuple[str, str]]:
    """(label, value) per parameter of a stored rule, as the rules page lists them."""
    out = []
    for name, field in parameter_fields(rule.kind).items():
        value = initial_value(rule.kind, name, rule.params or {})
        if isinstance(field, forms.MultipleChoiceField):
            labels = dict(field.choices)
            value = ", ".join(str(labels.get(v, v)) for v in value or [])
        elif isinstance(field, forms.BooleanField):
            value = "yes" if value else "no"
        out.append((str(field.label), "—" if value in (None, "") else str(value)))
    return out


class SubstituteForm(forms.Form):
    security = forms.ModelChoiceField(queryset=Security.objects.none(), label="Security")
    substitute = forms.ModelChoiceField(queryset=Security.objects.none(), label="Replaced by")
    rank = forms.IntegerField(min_value=1, max_value=99, initial=1, help_text="1 is tried first.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        securities = Security.objects.exclude(security_type="cash").order_by("symbol")
        self.fields["security"].queryset = securities
        self.fields["substitute"].queryset = securities
