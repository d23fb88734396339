"""Secrets that are never stored in the outbox: a client's portal link and a
signing code. The stored message holds a placeholder, shown as such on the outbox pages, in
the admin and the API; the sender asks the app that owns the secret for the real value at
send time and puts it into the email it hands to SMTP, never back into the row.

`secret_ref` on a message is "<kind>:<reference>"; the owning app's resolver turns the
reference into the value (or None when it can no longer be made: the message then fails)."""

from django.utils.module_loading import import_string

PORTAL_LINK_PLACEHOLDER = "/portal/l/link-inserted-when-sent/"
SIGNING_CODE_PLACEHOLDER = "[code inserted when sent]"

_RESOLVERS = {
    "portal_link": (PORTAL_LINK_PLACEHOLDER, "approvals.services.links.portal_link_path"),
    "signing_code": (SIGNING_CODE_PLACEHOLDER, "approvals.services.signing.signing_code_value"),
}


class SecretUnavailable(Exception):
    """The secret behind a placeholder can no longer be made; the message cannot be sent."""


def secret_ref(kind: str, reference: str) -> str:
    if kind not in _RESOLVERS:
        raise ValueError(f"Unknown kind of secret: {kind!r}")
    return f"{kind}:{reference}"


def secret_fill(ref: str, *texts: str) -> list[str]:
    """`texts` with the placeholder of `ref` replaced by the real value (call at send time only)."""
    if not ref:
        return list(texts)
    kind, reference = ref.split(":", 1)
    placeholder, resolver = _RESOLVERS[kind]
    value = import_string(resolver)(reference)
    if value is None:
        raise SecretUnavailable(
            f"The {kind.replace('_', ' ')} in this message can no longer be made; it was not sent."
        )
    return [t.replace(placeholder, value) for t in texts]
