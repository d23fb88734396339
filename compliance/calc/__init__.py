"""The checks, as pure DataFrame functions. Each check takes the bulk inputs of one run and one
rule's parameters, and returns an Outcome for every failing proposal (a proposal with no outcome
passed). Vectorised over all proposals at once; the reads that build the inputs are
compliance.selectors.check_inputs, the runs that store the outcomes compliance.services.checks."""

from .concentration import concentration_check
from .frames import CheckInputs, Outcome, after_trades
from .liquidity import liquidity_check
from .suitability import suitability_check
from .wash_sale import wash_sale_check

CHECKS = {
    "wash_sale": wash_sale_check,
    "concentration": concentration_check,
    "liquidity": liquidity_check,
    "suitability": suitability_check,
}

__all__ = ["CHECKS", "CheckInputs", "Outcome", "after_trades"]
