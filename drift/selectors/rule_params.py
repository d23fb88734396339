"""The enabled compliance rules' parameters (wash window, cash floor, concentration cap), read
by the proposal builder so it builds what the compliance checks accept."""

from ..calc.rule_params import DEFAULTS as RULE_DEFAULTS
from ..models import ComplianceRule


def rule_params_enabled() -> dict[str, dict]:
    """{kind: params} of the compliance rules the checks will run (a kind not stored yet: its
    defaults, as compliance_rules_ensure_defaults will store them). The proposal builder reads
    the same parameters (wash window, cash floor, concentration cap) so it builds what the
    checks accept."""
    stored = {r.kind: r for r in ComplianceRule.objects.all()}
    return {
        kind: (stored[kind].params if kind in stored else params)
        for kind, (_sev, params) in RULE_DEFAULTS.items()
        if kind not in stored or stored[kind].enabled
    }
