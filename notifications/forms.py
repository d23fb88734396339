"""The template editor's form: merge-field mistakes are shown on the field, with position."""

from django import forms

from .templating.merge import MergeSyntaxError, html_check, merge_parse
from .templating.samples import SCENARIOS


class TemplateForm(forms.Form):
    subject = forms.CharField(max_length=200)
    body_html = forms.CharField(
        label="HTML body", widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"})
    )
    body_text = forms.CharField(
        label="Plain-text body", widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "true"})
    )
    scenario = forms.ChoiceField(
        label="Preview with",
        choices=[(k, label) for k, (label, _) in SCENARIOS.items()],
        required=False,
    )

    def _check(self, name: str, *checks) -> None:
        value = self.cleaned_data.get(name)
        if value is None:
            return
        for check in checks:
            try:
                check(value)
            except MergeSyntaxError as error:
                for e in error.errors:
                    self.add_error(name, str(e))

    def clean(self):
        self._check("subject", merge_parse)
        self._check("body_html", merge_parse, html_check)
        self._check("body_text", merge_parse)
        return self.cleaned_data
