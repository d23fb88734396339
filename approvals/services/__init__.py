"""Writes of the approvals app: one function per transition (see the modules)."""

from .common import ApprovalRefused, Result  # noqa: F401
from .decisions import approval_client_approve, approval_client_decline  # noqa: F401
from .expiry import (
    approval_escalate,
    approval_expire,
    approvals_void_superseded,
    approvals_void_withdrawn,
)  # noqa: F401
from .start import approvals_start  # noqa: F401
from .steps import committee_document_attach, step_approve, step_decline  # noqa: F401
