"""The content hash of a proposal version: what the client approves and trading checks. One
canonical form, written by the builder and by every path that makes a version another way
(a compliance substitute), so equal content always hashes equal."""

import hashlib
import json
from decimal import Decimal


def sha256_of(content: dict) -> str:
    """SHA-256 of `content` as canonical JSON (sorted keys, no spaces)."""
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def trade_row(
    security_id: int, side: str, quantity: Decimal, price: Decimal, value: Decimal
) -> list:
    """One trade as the hash sees it (the builder writes the same strings in bulk)."""
    return [int(security_id), str(side), f"{quantity:.6f}", f"{price:.6f}", f"{value:.2f}"]


def proposal_content_hash(
    *,
    account_id: int,
    version: int,
    kind: str,
    as_of: str,
    trades: list[list],
    est_costs: str,
    est_tax: str,
    cash_amount: str,
) -> str:
    """`trades`: trade_row lists sorted by (side, security id); money as fixed 2-place strings."""
    return sha256_of(
        {
            "account": account_id,
            "version": version,
            "kind": str(kind),
            "as_of": as_of,
            "trades": trades,
            "est_costs": est_costs,
            "est_tax": est_tax,
            "cash_amount": cash_amount,
        }
    )


def proposal_hash_of(p, trades) -> str:
    """The content hash of proposal `p` (unsaved is fine) with `trades` (ProposalTrade rows),
    as the builder computes it in bulk."""
    rows = sorted(
        (trade_row(t.security_id, t.side, t.quantity, t.price, t.value) for t in trades),
        key=lambda r: (r[1], r[0]),
    )
    return proposal_content_hash(
        account_id=p.account_id,
        version=p.version,
        kind=p.kind,
        as_of=p.as_of.isoformat(),
        trades=rows,
        est_costs=f"{p.est_costs:.2f}",
        est_tax=f"{p.est_tax:.2f}",
        cash_amount=f"{p.cash_amount:.2f}",
    )
