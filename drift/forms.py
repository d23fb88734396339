"""Forms of the drift pages: drift rules, cash proposals and model targets."""

from decimal import Decimal

from django import forms

from portfolios.choices import AssetClass
from portfolios.models import Security
from rebalance_site.input_guard import FirmConstraintsMixin

from .models import AccountDriftSettings, DriftRule

BAND_PREFIX = "band_"


def band_field_name(asset_class: str) -> str:
    return f"{BAND_PREFIX}{asset_class}"


class DriftRuleForm(FirmConstraintsMixin, forms.ModelForm):
    """A rule's fields, and one optional band per asset class (empty: the rule's own band)
    in place of the stored mapping."""

    constraint_messages = {
        "drift_rule_one_default": (
            "The firm already has a default rule (one with no segment); "
            "choose a segment or edit that rule."
        ),
        "drift_rule_segment_unique": "That segment already has a rule; edit it instead.",
    }

    class Meta:
        model = DriftRule
        fields = [
            "name",
            "segment",
            "threshold_pp",
            "threshold_pp_tax_advantaged",
            "relative_pct",
            "dollar_threshold",
            "rebalance_to",
            "min_trade_value",
            "cash_floor_pct",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance.class_overrides or {}
        for value, label in AssetClass.choices:
            name = band_field_name(value)
            self.fields[name] = forms.DecimalField(
                label=f"Band for {label.lower()} (pp)",
                required=False,
                max_digits=7,
                decimal_places=3,
                help_text="Empty: the rule's band applies.",
                initial=stored.get(value),
            )

    def band_fields(self):
        return [self[band_field_name(value)] for value in AssetClass.values]

    def clean(self):
        data = super().clean()
        for value in AssetClass.values:
            self._positive_band(band_field_name(value))
        return data

    def save(self, commit=True):
        rule = super().save(commit=False)
        rule.class_overrides = {
            value: f"{band.normalize():f}"
            for value in AssetClass.values
            if (band := self.cleaned_data.get(band_field_name(value))) is not None
        }
        if commit:
            rule.save()
        return rule

    def _positive_band(self, name, upper=Decimal("100")):
        value = self.cleaned_data.get(name)
        if value is not None and not (Decimal("0") < value <= upper):
            message = f"Enter a band above 0 and at most {upper} percentage points."
            if name.startswith(BAND_PREFIX):  # called from clean(): attach to the field
                self.add_error(name, message)
                return None
            raise forms.ValidationError(message)
        return value

    def clean_threshold_pp(self):
        return self._positive_band("threshold_pp")

    def clean_threshold_pp_tax_advantaged(self):
        return self._positive_band("threshold_pp_tax_advantaged")

    def clean_relative_pct(self):
        return self._positive_band("relative_pct")

    def clean_cash_floor_pct(self):
        value = self.cleaned_data.get("cash_floor_pct")
        if value is not None and not (Decimal("0") <= value < Decimal("50")):
            raise forms.ValidationError("The cash floor must be from 0 to under 50 percent.")
        return value

    def clean_dollar_threshold(self):
        value = self.cleaned_data.get("dollar_threshold")
        if value is not None and value <= 0:
            raise forms.ValidationError(
                "A dollar threshold must be more than $0 (leave it empty for none)."
            )
        return value


class CashProposalForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            ("cash_raise", "Cash raise (withdrawal)"),
            ("cash_deploy", "Cash deploy (contribution)"),
        ]
    )
    amount = forms.DecimalField(max_digits=18, decimal_places=2, min_value=Decimal("0.01"))


class ModelTargetsForm(forms.Form):
    """One weight field per target row of the model (named w_<target id>)."""

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = targets
        labels = dict(AssetClass.choices)
        for t in targets:
            self.fields[f"w_{t.pk}"] = forms.DecimalField(
                label=f"{labels.get(t.asset_class, t.asset_class)} ({t.security.symbol})",
                initial=t.weight,
                max_digits=7,
                decimal_places=4,
                min_value=0,
                max_value=100,
            )

    def clean(self):
        data = super().clean()
        total = sum((data.get(f"w_{t.pk}") or 0) for t in self.targets)
        if not self.errors and total != 100:
            raise forms.ValidationError(
                f"Target weights must add up to 100%; they add up to {total}%."
            )
        return data

    def new_targets(self) -> list[dict]:
        return [
            {
                "asset_class": t.asset_class,
                "security_id": t.security_id,
                "weight": self.cleaned_data[f"w_{t.pk}"],
            }
            for t in self.targets
        ]


# --- model management (drift.views_models) -------------------------------------------------


class ModelDetailsForm(forms.Form):
    name = forms.CharField(max_length=120)
    description = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class HoldingForm(forms.Form):
    """One holding: a security and its weight; the asset class defaults to the security's."""

    security = forms.ModelChoiceField(queryset=None, required=False, empty_label="—")
    asset_class = forms.ChoiceField(
        choices=[("", "The security's class")] + list(AssetClass.choices), required=False
    )
    weight = forms.DecimalField(
        required=False,
        max_digits=7,
        decimal_places=4,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        label="Weight (%)",
        widget=forms.NumberInput(attrs={"step": "0.0001", "class": "holding-weight"}),
    )

    def __init__(self, *args, securities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["security"].queryset = securities

    def clean(self):
        data = super().clean()
        security, weight = data.get("security"), data.get("weight")
        if self.errors or data.get("DELETE"):
            return data
        if security is None and weight is None:
            return data  # an empty row
        if security is None:
            self.add_error("security", "Choose the security this weight is for.")
        if weight is None:
            self.add_error("weight", "Enter a weight (percent of the account).")
        elif weight <= 0:
            self.add_error("weight", "A weight must be above 0%; delete the row instead.")
        return data


class BaseHoldingFormSet(forms.BaseFormSet):
    """The holdings must name each security once and add up to exactly 100%."""

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "securities": self.securities}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            securities=self.securities,
        )
        self.add_fields(form, None)
        return form

    def __init__(self, *args, securities, **kwargs):
        self.securities = securities
        super().__init__(*args, **kwargs)

    def holdings(self) -> list[dict]:
        out = []
        for form in self.forms:
            d = getattr(form, "cleaned_data", None) or {}
            if d.get("DELETE") or d.get("security") is None or d.get("weight") is None:
                continue
            out.append(
                {
                    "asset_class": d.get("asset_class") or d["security"].asset_class,
                    "security_id": d["security"].pk,
                    "weight": d["weight"],
                }
            )
        return out

    @property
    def total(self) -> Decimal:
        return sum((h["weight"] for h in self.holdings()), Decimal("0"))

    def clean(self):
        if any(self.errors):
            return
        holdings = self.holdings()
        symbols = [
            f.cleaned_data["security"].symbol
            for f in self.forms
            if f.cleaned_data.get("security") and not f.cleaned_data.get("DELETE")
        ]
        twice = sorted({s for s in symbols if symbols.count(s) > 1})
        if twice:
            raise forms.ValidationError(
                f"{', '.join(twice)} appears more than once; list each holding once."
            )
        if not holdings:
            raise forms.ValidationError("A model needs at least one holding.")
        total = self.total
        if total != Decimal("100"):
            raise forms.ValidationError(
                f"The weights add up to {total.normalize():f}%; they must add up to exactly 100%."
            )


HoldingFormSet = forms.formset_factory(
    HoldingForm, formset=BaseHoldingFormSet, extra=2, can_delete=True, max_num=60
)


class AccountDriftSettingsForm(forms.ModelForm):
    """An account's own rule (empty: its segment's) and restrictions; symbols as a list
    separated by spaces, each one a security of the firm."""

    rule = forms.ModelChoiceField(queryset=DriftRule.objects.none(), required=False)
    never_sell = forms.CharField(
        required=False, help_text="Symbols separated by spaces, e.g. VTI BND."
    )
    never_buy = forms.CharField(required=False, help_text="Symbols separated by spaces.")

    class Meta:
        model = AccountDriftSettings
        fields = [
            "rule",
            "do_not_trade",
            "never_sell",
            "never_buy",
            "gains_budget",
            "gains_budget_mode",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].queryset = DriftRule.objects.order_by("segment", "name")
        self.fields["rule"].empty_label = "The account's segment rule"
        for name in ("never_sell", "never_buy"):
            self.initial[name] = " ".join(getattr(self.instance, name) or [])

    def _symbols(self, name: str) -> list[str]:
        symbols = [s for s in self.cleaned_data.get(name, "").upper().replace(",", " ").split()]
        known = set(Security.objects.filter(symbol__in=symbols).values_list("symbol", flat=True))
        unknown = [s for s in symbols if s not in known]
        if unknown:
            raise forms.ValidationError(f"Unknown symbol(s): {', '.join(unknown)}.")
        return list(dict.fromkeys(symbols))

    def clean_never_sell(self):
        return self._symbols("never_sell")

    def clean_never_buy(self):
        return self._symbols("never_buy")

    def clean_gains_budget(self):
        value = self.cleaned_data.get("gains_budget")
        if value is not None and value < 0:
            raise forms.ValidationError("A gains budget is $0 or more (empty: none).")
        return value
