"""Django's database sessions, with the row's key a hash of the cookie's key.

The row's key is the SHA-256 of the cookie's key, not the key itself: the sessions table has no
row-level security (a session is looked up before any firm is known), so any SQL on the
application's connection can read it — and finds nothing it could replay as a cookie. (The
column holds 40 characters: the first 40 hex digits, 160 bits.) Everything else is Django's."""

import hashlib

from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.utils import timezone


def stored_key(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()[:40]


class SessionStore(DBStore):
    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    def exists(self, session_key):
        return super().exists(stored_key(session_key))

    def delete(self, session_key=None):
        session_key = session_key if session_key is not None else self.session_key
        if session_key is not None:
            super().delete(stored_key(session_key))

    def _get_session_from_db(self):
        session = self.model.objects.filter(
            session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
        ).first()
        if session is None:
            self._session_key = None  # as Django's store: unknown or expired key, a new session
        return session

    # The async twins (unused under WSGI) keep the same rule: never the cookie's key in a row.
    async def acreate_model_instance(self, data):
        instance = await super().acreate_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    async def aexists(self, session_key):
        return await super().aexists(stored_key(session_key))

    async def adelete(self, session_key=None):
        session_key = session_key if session_key is not None else self.session_key
        if session_key is not None:
            await super().adelete(stored_key(session_key))

    async def _aget_session_from_db(self):
        session = await self.model.objects.filter(
            session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
        ).afirst()
        if session is None:
            self._session_key = None
        return session
