"""Writes of the approvals app: one function per transition (see the modules)."""

from .common import ApprovalRefused, Result
from .decisions import approval_client_approve, approval_client_decline
from .expiry import (
    approval_escalate,
    approval_expire,
    approvals_void_superseded,
    approvals_void_withdrawn,
)
from .resend import client_link_resend
from .start import approvals_start
from .steps import committee_document_attach, step_approve, step_decline

__all__ = [
    "ApprovalRefused",
    "Result",
    "approval_client_approve",
    "approval_client_decline",
    "approval_escalate",
    "approval_expire",
    "approvals_start",
    "approvals_void_superseded",
    "approvals_void_withdrawn",
    "client_link_resend",
    "committee_document_attach",
    "step_approve",
    "step_decline",
]
