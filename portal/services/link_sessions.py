"""How a portal session came to be (stored with a signature), the client's sign-in user, and
what a session opened from an emailed link may do.

A link session is bound to the approval its link was for (LINK_APPROVAL_KEY). It acts on that
approval only, and only while it is waiting: once the approval is decided, expired or replaced,
the session may still show that approval's own page and signed copy (the record of what was
done), and any other request ends it with a page saying why."""

from django.contrib.auth import logout

from approvals.choices import ApprovalStatus, AuthMethod, StepRole, StepStatus
from approvals.models import Approval, ApprovalStep
from firms.choices import Role

AUTH_KEY = "portal_auth_method"
LINK_APPROVAL_KEY = "portal_link_approval"

_ENDED = {
    ApprovalStatus.APPROVED: "the proposal it was for was already approved",
    ApprovalStatus.DECLINED: "the proposal it was for was already declined",
    ApprovalStatus.EXPIRED: "the proposal it was for has expired",
    ApprovalStatus.VOID: "the proposal it was for was replaced by a newer version",
}


def client_user_ensure(*, client):
    """The client's user, created (no usable password) the first time they open a link."""
    if client.user_id is not None:
        return client.user
    from firms.services.members import member_create

    member = member_create(firm=client.firm, email=client.email, role=Role.CLIENT, name=client.name)
    client.user = member.user
    client.save(update_fields=["user"])
    return member.user


def link_session_start(request, *, approval_id: int) -> None:
    request.session[AUTH_KEY] = AuthMethod.LINK
    request.session[LINK_APPROVAL_KEY] = approval_id


def link_session_refusal(request, *, pk: int | None, acting: bool, now) -> tuple[str, bool]:
    """(why this request may not go ahead in a link session, whether the session ends):
    ("", False) when it may, or when the client signed in with their password. `pk` is the
    approval the request is about (None for pages about no single approval)."""
    if request.session.get(AUTH_KEY) != AuthMethod.LINK:
        return "", False
    bound = request.session.get(LINK_APPROVAL_KEY)
    row = (
        Approval.objects.filter(pk=bound).values("status", "deadline", "proposal__status").first()
        if bound
        else None
    )
    if row is None:
        return "This session from an emailed link is no longer valid. Nothing was changed.", True
    ended = _ended(bound, row, now)
    if not ended:
        if acting and pk != bound:
            return (
                "You opened this page from the link for another proposal. "
                "Use the link in this proposal's own email to decide on it. Nothing was changed."
            ), False
        return "", False
    if pk == bound and not acting:
        return "", False  # the record of what happened to the proposal the link was for
    return (
        f"Your session from the emailed link has ended: {ended}. Nothing was changed. "
        "To decide on another proposal, use the link in its own email."
    ), True


def _ended(approval_id: int, row: dict, now) -> str:
    """Why the approval a link session is bound to no longer waits for the client ("" if it
    does)."""
    if row["proposal__status"] == "superseded":
        return _ENDED[ApprovalStatus.VOID]
    if row["status"] != ApprovalStatus.PENDING:
        return _ENDED.get(row["status"], "the proposal it was for is closed")
    if now >= row["deadline"]:
        return _ENDED[ApprovalStatus.EXPIRED]
    if not ApprovalStep.objects.filter(
        approval_id=approval_id, role=StepRole.CLIENT, status=StepStatus.ACTIVE
    ).exists():
        return "you already gave your decision on the proposal it was for"
    return ""


def link_session_end(request) -> None:
    logout(request)
