"""Forms of the trading pages; querysets are built in the request's firm scope."""

from django import forms

from portfolios.models import Account, Custodian, ModelPortfolio

from .choices import PauseScope


class PauseForm(forms.Form):
    scope = forms.ChoiceField(choices=PauseScope.choices)
    custodian = forms.ModelChoiceField(queryset=Custodian.objects.none(), required=False)
    model = forms.ModelChoiceField(queryset=ModelPortfolio.objects.none(), required=False)
    account = forms.CharField(required=False, max_length=32, help_text="Account number")
    reason = forms.CharField(max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["custodian"].queryset = Custodian.objects.order_by("name")
        self.fields["model"].queryset = ModelPortfolio.objects.order_by("name")

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        if scope == PauseScope.ACCOUNT:
            data["target"] = Account.objects.filter(number=data.get("account", "")).first()
            if data["target"] is None:
                self.add_error("account", "No account with this number in your firm.")
        elif scope in (PauseScope.CUSTODIAN, PauseScope.MODEL):
            data["target"] = data.get(scope)
            if data["target"] is None:
                self.add_error(scope, f"Choose the {scope} to pause.")
        else:
            data["target"] = None
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300)
