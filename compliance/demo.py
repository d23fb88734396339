"""The demo firm's compliance set-up: default rules, the substantially identical pairs, and
substitutes (same asset class, not identical) so a wash sale comes with a suggestion."""

from portfolios.models import Security

from .models import SubstantiallyIdenticalPair, Substitute
from .services.rules import compliance_rules_ensure_defaults

SUBSTITUTES_PER_SECURITY = 2


def compliance_demo_seed(*, firm_id: int, pairs) -> None:
    """Idempotent: existing rows are kept."""
    compliance_rules_ensure_defaults(firm_id=firm_id)
    securities = {s.symbol: s for s in Security.objects.exclude(security_type="cash")}
    rows = [
        sorted((securities[a].pk, securities[b].pk))
        for a, b in pairs
        if a in securities and b in securities
    ]
    SubstantiallyIdenticalPair.objects.bulk_create(
        [
            SubstantiallyIdenticalPair(firm_id=firm_id, security_a_id=a, security_b_id=b)
            for a, b in rows
        ],
        ignore_conflicts=True,
    )
    identical = {(a, b) for a, b in rows} | {(b, a) for a, b in rows}
    Substitute.objects.bulk_create(
        _substitutes(firm_id, list(securities.values()), identical), ignore_conflicts=True
    )


def _substitutes(firm_id: int, securities: list[Security], identical: set) -> list[Substitute]:
    """For each diversified fund: the other diversified funds of its class, not identical to it."""
    funds = sorted((s for s in securities if s.diversified), key=lambda s: s.symbol)
    out = []
    for s in funds:
        fair = [
            c
            for c in funds
            if c.asset_class == s.asset_class and c.pk != s.pk and (s.pk, c.pk) not in identical
        ]
        out += [
            Substitute(firm_id=firm_id, security=s, substitute=c, rank=n)
            for n, c in enumerate(fair[:SUBSTITUTES_PER_SECURITY], 1)
        ]
    return out
