"""SPEC R-APPR-1's routing defaults, written for a firm the first time it routes.

Value bounds are inclusive and in cents, so $100,000.00 and $500,000.00 exactly belong to the
middle tier, $99,999.99 to the lowest and $500,000.01 to the highest."""

from decimal import Decimal

from .choices import RuleKind, StepRole, WindowUnit

DEFAULT_RULES = [
    {
        "name": "Under $100,000",
        "kind": RuleKind.VALUE,
        "min_value": None,
        "max_value": Decimal("99999.99"),
        "steps": [StepRole.CLIENT],
        "window_amount": 72,
        "window_unit": WindowUnit.HOURS,
    },
    {
        "name": "$100,000 – $500,000",
        "kind": RuleKind.VALUE,
        "min_value": Decimal("100000.00"),
        "max_value": Decimal("500000.00"),
        "steps": [StepRole.ADVISOR, StepRole.CLIENT],
        "window_amount": 48,
        "window_unit": WindowUnit.HOURS,
    },
    {
        "name": "Over $500,000",
        "kind": RuleKind.VALUE,
        "min_value": Decimal("500000.01"),
        "max_value": None,
        "steps": [StepRole.SENIOR, StepRole.CLIENT],
        "window_amount": 24,
        "window_unit": WindowUnit.HOURS,
    },
    {
        "name": "Institutional",
        "kind": RuleKind.INSTITUTIONAL,
        "min_value": None,
        "max_value": None,
        "steps": [StepRole.COMMITTEE],
        "window_amount": 5,
        "window_unit": WindowUnit.BUSINESS_DAYS,
    },
]
