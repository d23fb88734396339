"""The rules. Each check takes the bulk inputs and one rule, and returns an Outcome for every
failing proposal (a proposal with no outcome passed). Vectorised over all proposals at once."""

from .base import Outcome
from .concentration import concentration_check
from .liquidity import liquidity_check
from .suitability import suitability_check
from .wash_sale import wash_sale_check

CHECKS = {
    "wash_sale": wash_sale_check,
    "concentration": concentration_check,
    "liquidity": liquidity_check,
    "suitability": suitability_check,
}

__all__ = ["CHECKS", "Outcome"]
