"""How a date or time reads on a page when a template gives no format of its own: "Dec 4,
2026" and "Dec 4, 2026, 5:10 PM EST", as the rest of the product writes them (Django's
English default, "Dec. 4, 2026", put a full stop after every month). Inputs are untouched."""

DATE_FORMAT = "M j, Y"
DATETIME_FORMAT = "M j, Y, g:i A T"
MONTH_DAY_FORMAT = "M j"
