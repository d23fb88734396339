"""Portal links: 256-bit tokens, only the SHA-256 stored, bound to client,
proposal, version and content hash, expiring with the window. Built from settings.SITE_URL.

The token is never stored readable anywhere: it is an HMAC, under a key derived
from SECRET_KEY (which the database does not hold), of a random per-link nonce. The outbox
stores the email with a placeholder; the sender rebuilds the token from the nonce at send
time (portal_link_path), so nobody who can read the database, the outbox pages, the admin
or the API can open the client's portal."""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from firms.services.tenancy import firm_scope

from ..choices import ApprovalStatus
from ..models import LinkKey, PortalLink


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token(nonce: str) -> str:
    digest = salted_hmac("rebalance.portal-link", nonce, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def link_url(token: str) -> str:
    return settings.SITE_URL + reverse("portal:link", args=[token])


def portal_links_issue(*, approvals, now: datetime) -> dict[int, str]:
    """One fresh link per approval (bulk). Returns approval id → URL, for the caller to hand
    to services.notify (which stores only a placeholder); the token itself is never stored."""
    nonces = {a.pk: secrets.token_hex(16) for a in approvals}
    tokens = {pk: _token(n) for pk, n in nonces.items()}
    PortalLink.objects.bulk_create(
        [
            PortalLink(
                firm_id=a.firm_id,
                approval=a,
                client_id=a.proposal.account.client_id,
                proposal_id=a.proposal_id,
                version=a.version,
                content_hash=a.content_hash,
                token_hash=token_hash(tokens[a.pk]),
                nonce=nonces[a.pk],
                created_at=now,
                expires_at=a.deadline,
            )
            for a in approvals
        ]
    )
    LinkKey.objects.bulk_create(
        [LinkKey(token_hash=token_hash(tokens[a.pk]), firm_id=a.firm_id) for a in approvals]
    )
    return {pk: link_url(t) for pk, t in tokens.items()}


def portal_link_path(digest: str) -> str | None:
    """At send time (inside the firm's scope): the path of the link whose token hashes to
    `digest`, rebuilt from its nonce; None if there is no such link or it cannot be rebuilt
    (SECRET_KEY changed since it was issued)."""
    link = PortalLink.objects.filter(token_hash=digest).only("nonce").first()
    if link is None or not link.nonce:
        return None
    token = _token(link.nonce)
    return reverse("portal:link", args=[token]) if token_hash(token) == digest else None


@dataclass
class LinkCheck:
    link: PortalLink | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.link is not None and not self.problem


def _problem(link: PortalLink, now: datetime) -> str:
    approval, proposal = link.approval, link.proposal
    if (
        approval.status == ApprovalStatus.VOID
        or proposal.version != link.version
        or proposal.content_hash != link.content_hash
        or proposal.status == "superseded"
    ):
        return (
            "This link is for an earlier version of the proposal, which a newer version "
            "replaced. Nothing was changed."
        )
    if approval.status in (ApprovalStatus.APPROVED, ApprovalStatus.DECLINED):
        return (
            f"This proposal was already {approval.get_status_display().lower()}; the link has "
            "been used. Nothing was changed."
        )
    if approval.status == ApprovalStatus.EXPIRED or now >= link.expires_at:
        return (
            "This link has expired: the approval window closed. Nothing was changed; please "
            "contact your advisor."
        )
    return ""


def portal_link_check(*, token: str, now: datetime) -> tuple[int | None, LinkCheck]:
    """Resolve a token (no firm scope needed to start). Returns the firm id and the check,
    made inside that firm's scope; the caller re-enters the scope to act on it."""
    digest = token_hash(token)
    key = LinkKey.objects.filter(token_hash=digest).first()
    if key is None:
        return None, LinkCheck(
            None, "This link is not valid. Please use the most recent email from your advisor."
        )
    with firm_scope(key.firm_id):
        link = PortalLink.objects.select_related("approval", "proposal", "client").get(
            token_hash=digest
        )
        return key.firm_id, LinkCheck(link, _problem(link, now))
