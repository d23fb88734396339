"""Reporting's forms: regenerate a month, widen the bands, set up a threshold review."""

from datetime import date
from decimal import Decimal

from django import forms

from drift.models import ToleranceWidening
from portfolios.calc.market_calendar import CALENDAR_START
from portfolios.choices import Segment


class RegenerateForm(forms.Form):
    month = forms.DateField(
        widget=forms.DateInput(attrs={"type": "month"}),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text="The month to report on (YYYY-MM).",
    )


class WideningForm(forms.ModelForm):
    class Meta:
        model = ToleranceWidening
        fields = ["factor", "start", "end", "reason"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("The end date must be on or after the start date.")
        factor = data.get("factor")
        if factor is not None and not (Decimal("1") <= factor <= Decimal("5")):
            self.add_error(
                "factor", "The factor must be between 1 and 5 (1.5 widens every band by half)."
            )
        return data


class ThresholdReviewForm(forms.Form):
    segment = forms.ChoiceField(choices=Segment.choices)
    thresholds = forms.CharField(
        initial="3, 5, 7",
        help_text="Alternative bands in percentage points, comma-separated (one to four of them).",
    )
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def clean_thresholds(self) -> list[Decimal]:
        try:
            values = [
                Decimal(v.strip()) for v in self.cleaned_data["thresholds"].split(",") if v.strip()
            ]
        except ArithmeticError as exc:
            raise forms.ValidationError(
                "Write thresholds as numbers separated by commas, e.g. 3, 5, 7."
            ) from exc
        if not 1 <= len(values) <= 4:
            raise forms.ValidationError("Give one to four thresholds, e.g. 3, 5, 7.")
        if any(not v.is_finite() or not (Decimal("0") < v <= Decimal("50")) for v in values):
            raise forms.ValidationError(
                "Each threshold must be above 0 and at most 50 percentage points."
            )
        return sorted(set(values))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and (end < start or (end - start).days > 800):
            raise forms.ValidationError(
                "Pick a period of at most about two years, with the end after the start."
            )
        if end and end >= date.today():
            self.add_error("end", "Replay history only: the end must be before today.")
        if (
            start and start < CALENDAR_START
        ):  # the replay walks the market calendar, which starts there
            self.add_error(
                "start",
                f"The market calendar starts on {CALENDAR_START.isoformat()}; "
                "pick a start on or after it.",
            )
        return data


def review_initial(today: date) -> dict:
    """The last 250 trading days before `today`."""
    from portfolios.calc.market_calendar import previous_trading_day, trading_days

    end = previous_trading_day(today)
    days = trading_days(date(end.year - 2, end.month, 1), end)[-250:]
    return {"start": days[0], "end": end, "thresholds": "3, 5, 7"}
