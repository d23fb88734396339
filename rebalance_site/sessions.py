"""Django's database sessions, read with one prepared statement.

Every signed-in request reads its session row. The stock store builds that SELECT through the
ORM each time (~0.3 ms of CPU compiling the same query, issue 10 item 12); this store sends
the same statement as plain SQL, prepared once per database connection
(firms.precompiled.PreparedStatements). Writing, expiry and deletion are Django's.

The row's key is the SHA-256 of the cookie's key (issue 17 item 7), not the key itself: the
sessions table has no row-level security (a session is looked up before any firm is known), so
any SQL on the application's connection can read it — and finds nothing it could replay as a
cookie. (The column holds 40 characters: the first 40 hex digits, 160 bits.)"""

import hashlib

from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.db import connections, router
from django.utils import timezone

from firms.precompiled import PreparedStatements

_READ: dict[str, PreparedStatements] = {}


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

    def _get_session_from_db(self):
        model, alias = self.model, router.db_for_read(self.model)
        statement = _READ.get(alias)
        if statement is None:
            table = connections[alias].ops.quote_name(model._meta.db_table)
            statement = _READ[alias] = PreparedStatements(
                f"SELECT session_data, expire_date FROM {table} WHERE session_key = %s AND expire_date > %s"
            )
        rows = statement.fetchall(
            connections[alias], [stored_key(self.session_key), timezone.now()]
        )
        if not rows:
            self._session_key = None  # as the stock store: unknown or expired key, a new session
            return None
        return model(session_key=self.session_key, session_data=rows[0][0], expire_date=rows[0][1])
