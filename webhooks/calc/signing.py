"""Standard Webhooks signing (https://www.standardwebhooks.com/): a secret `whsec_<base64>`,
the signed content `<webhook-id>.<webhook-timestamp>.<body>`, and the header value
`v1,<base64 HMAC-SHA256>`, several space-separated while a rotated secret still signs."""

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def secret_new() -> str:
    """24 random bytes (the spec asks for 24 to 64), base64, with the whsec_ prefix."""
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The webhook-signature value: one `v1,…` per secret, space-separated."""
    return " ".join(signature(s, msg_id, timestamp, body) for s in secrets_)


def signature_verifies(secret: str, msg_id: str, timestamp: int, body: bytes, header: str) -> bool:
    """What a receiver does: any of the header's v1 signatures matches ours."""
    expected = signature(secret, msg_id, timestamp, body)
    return any(hmac.compare_digest(expected, part) for part in header.split(" ") if part)
