"""The reconciliation page's forms: the day's file upload, the list's filters, a resolution."""

from django import forms

from portfolios.models import Custodian

from .selectors import STATUS_FILTERS


class UploadForm(forms.Form):
    custodian = forms.ModelChoiceField(queryset=Custodian.objects.none(), to_field_name="code")
    as_of = forms.DateField(label="Day of the file", widget=forms.DateInput(attrs={"type": "date"}))
    file = forms.FileField(label="Positions file (positions.csv format)")

    def __init__(self, *args, custodians=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["custodian"].queryset = (
            custodians if custodians is not None else Custodian.objects.order_by("code")
        )


class BreakFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s, s.title()) for s in STATUS_FILTERS], required=False, initial="open"
    )
    as_of = forms.DateField(
        label="Day", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    account = forms.CharField(label="Account number", required=False, max_length=32)


class ResolveForm(forms.Form):
    reason = forms.CharField(max_length=500, strip=True)
