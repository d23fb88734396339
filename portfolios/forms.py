"""Forms of the book's pages: a custodian."""

from django import forms

from rebalance_site.input_guard import FirmConstraintsMixin

from .models import Custodian


class CustodianForm(FirmConstraintsMixin, forms.ModelForm):
    class Meta:
        model = Custodian
        fields = ["code", "name", "fee_per_trade", "fee_bps", "spread_bps", "supports_fractional"]
        help_texts = {
            "code": "Lower case, as accounts.csv names it (e.g. schwab).",
            "fee_per_trade": "Dollars per order.",
            "fee_bps": "Basis points of the order's value.",
            "spread_bps": "Estimated half-spread, basis points.",
        }

    def clean_code(self):
        code = self.cleaned_data["code"].lower()
        if Custodian.objects.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another custodian has that code; choose another.")
        return code

    def clean(self):
        data = super().clean()
        for name in ("fee_per_trade", "fee_bps", "spread_bps"):
            value = data.get(name)
            if value is not None and value < 0:
                self.add_error(name, "Enter 0 or more.")
        for name in ("fee_bps", "spread_bps"):
            value = data.get(name)
            if value is not None and value > 1000:
                self.add_error(name, "At most 1,000 basis points.")
        return data
