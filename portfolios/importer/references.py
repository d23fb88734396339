"""What rows may refer to: what the firm's book already holds plus what this upload adds.

Built inside the firm's scope, so every lookup sees this firm's rows only.
"""

from dataclasses import dataclass, field

import pandas as pd

from firms.choices import Role
from firms.models import Membership

from ..models import Account, Custodian, ModelPortfolio, Security


@dataclass
class References:
    security_classes: dict[str, str | None] = field(default_factory=dict)  # symbol → asset class
    models: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    custodians: set[str] = field(default_factory=set)  # codes, lower case
    advisors: set[str] = field(default_factory=set)  # staff emails, lower case
    retired_models: set[str] = field(default_factory=set)  # never assigned to an account again
    # What later stages' set-up files may name (e.g. "drift_rule" → rule names); each kind's
    # check fills its own from the book and adds what its file adds.
    named: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def from_book(cls, account_numbers: set[str]) -> "References":
        return cls(
            security_classes=dict(Security.objects.values_list("symbol", "asset_class")),
            models=set(ModelPortfolio.objects.values_list("name", flat=True)),
            accounts=set(
                Account.objects.filter(number__in=account_numbers).values_list("number", flat=True)
            ),
            custodians={code.lower() for code in Custodian.objects.values_list("code", flat=True)},
            advisors=staff_emails(),
            retired_models=set(
                ModelPortfolio.objects.filter(retired_at__isnull=False).values_list(
                    "name", flat=True
                )
            ),
        )

    def add_securities(self, symbols: pd.Series, asset_classes: pd.Series | None) -> None:
        """The upload's securities; their asset class, where valid, overrides the book's."""
        classes = (
            asset_classes if asset_classes is not None else pd.Series(None, index=symbols.index)
        )
        for symbol, asset_class in zip(symbols, classes, strict=True):
            if symbol:
                self.security_classes[symbol] = asset_class

    def add(self, names: set, values: pd.Series | None) -> None:
        if values is not None:
            names.update(v for v in values if v)


def staff_emails() -> set[str]:
    emails = Membership.objects.exclude(role=Role.CLIENT).values_list("user__email", flat=True)
    return {email.lower() for email in emails if email}
