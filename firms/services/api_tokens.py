"""API tokens stored as their SHA-256 only, and the API's authentication against them.

DRF's authtoken table kept every key in plain text, readable by any SQL on the application's
connection. Here the key is shown once, when created; the database keeps its hash, which is
useless to replay (a key is 40 random hex characters: no dictionary reaches it)."""

import hashlib
import secrets

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from firms.models import ApiToken


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(user) -> str:
    """A new token for `user`; returns the key (the only time it exists in clear)."""
    key = secrets.token_hex(20)
    ApiToken.objects.create(user=user, key_hash=token_hash(key), prefix=key[:8])
    return key


def api_token_user(key: str):
    """The active user holding this key, or None."""
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key.strip())).first()
    return token.user if token is not None and token.user.is_active else None


class HashedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's TokenAuthentication, against the hashed store."""

    def authenticate_credentials(self, key):
        user = api_token_user(key)
        if user is None:
            raise AuthenticationFailed("Invalid token.")
        return (user, None)
