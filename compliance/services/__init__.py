"""The services other stages call: the routing gate (approvals, trading)."""

from .guard import ProposalNotRoutable, proposal_assert_routable, proposals_not_routable

__all__ = ["ProposalNotRoutable", "proposal_assert_routable", "proposals_not_routable"]
