"""The endpoint form: plain fields; the services check the URL and the event types."""

from django import forms

from .choices import EventType


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="URL", max_length=500, help_text="https:// address of your CRM's webhook receiver."
    )
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event type."},
    )
