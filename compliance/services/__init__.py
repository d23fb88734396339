"""Writes and business logic of compliance, one module per topic: checks (run the rules on new
versions and store the findings), recheck (again when a household's history changes),
check_errors (a check that cannot run), review (the officer's decisions), regenerate (apply a
suggested substitute), rules (the firm's set-up), guard (the routing gate).

The gate is what later stages call (approvals, trading), so it is importable from here."""

from .guard import ProposalNotRoutable, proposal_assert_routable, proposals_not_routable

__all__ = ["ProposalNotRoutable", "proposal_assert_routable", "proposals_not_routable"]
