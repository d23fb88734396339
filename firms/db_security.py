"""PostgreSQL side of tenancy: the application role, grants and row-level security.

The login in DATABASE_URL owns the schema and runs migrations. Every connection switches to
the application role (settings.DATABASE_APP_ROLE) as soon as it opens, unless the code runs
inside `owner_role()` — used only by migrate/flush and platform jobs such as creating a firm.
The application role is NOSUPERUSER NOBYPASSRLS and owns nothing, so RLS always applies to it.
"""
from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps
from django.conf import settings
from django.db import connection

from .models import AuditEntry, Firm, FirmOwned
from .precompiled import PreparedStatements

_owner_mode: ContextVar[bool] = ContextVar("owner_mode", default=False)
_current_firm: ContextVar[int | None] = ContextVar("current_firm", default=None)
_current_user: ContextVar[int | None] = ContextVar("current_user", default=None)


def app_role() -> str:
    return settings.DATABASE_APP_ROLE


def on_connection_created(sender, connection, **kwargs):
    """A new connection starts as the app role with the scope's settings (fail closed)."""
    # The no-database connection only creates and drops databases (test setup).
    if connection.vendor != "postgresql" or _owner_mode.get() or connection.alias == "__no_db__":
        return
    with connection.cursor() as cur:
        cur.execute(f'SET ROLE "{app_role()}"')
    push_settings(connection)


_PUSH = PreparedStatements("SELECT set_config('app.firm_id', %s, false), set_config('app.user_id', %s, false)")


def push_settings(conn=connection) -> None:
    """Write the current firm/user scope into the connection's settings (or clear them)."""
    firm_id, user_id = _current_firm.get(), _current_user.get()
    _PUSH.fetchall(conn, ["" if firm_id is None else str(firm_id), "" if user_id is None else str(user_id)])


@contextmanager
def db_firm(firm_id: int | None):
    token = _current_firm.set(firm_id)
    try:
        push_settings()
        yield
    finally:
        _current_firm.reset(token)
        if connection.connection is not None:
            push_settings()


@contextmanager
def db_user(user_id: int | None):
    token = _current_user.set(user_id)
    try:
        push_settings()
        yield
    finally:
        _current_user.reset(token)
        if connection.connection is not None:
            push_settings()


# One round trip (three statements in one simple-protocol query; psycopg2 returns the last
# one's rows): (1) the user's scope, under which RLS shows the user their own membership only;
# (2) the firm of that membership becomes the scope and the user setting is cleared, exactly
# what db_user's exit followed by db_firm's entry would leave; (3) the membership and its firm,
# read under that firm scope. A statement that fails aborts the implicit transaction, which
# undoes the set_config calls before it (the connection keeps its previous, cleared settings).
_MEMBER_SCOPE_SQL = """
SELECT set_config('app.firm_id', '', false), set_config('app.user_id', %s, false);
SELECT set_config('app.firm_id', COALESCE((SELECT m.firm_id::text FROM firms_membership m
                                           WHERE m.user_id = %s ORDER BY m.id LIMIT 1), ''), false),
       set_config('app.user_id', '', false);
SELECT m.firm_id, {columns} FROM firms_membership m JOIN firms_firm f ON f.id = m.firm_id
 WHERE m.user_id = %s AND m.firm_id = app_current_firm()
"""
_MEMBER_SCOPE: dict[str, PreparedStatements] = {}  # per column list (prepared once per connection)


def in_scope() -> bool:
    """True inside a firm or user scope (or owner mode): db_member_firm is for the outermost."""
    return _current_firm.get() is not None or _current_user.get() is not None or _owner_mode.get()


@contextmanager
def db_member_firm(user_id: int, columns: str):
    """Enter the firm scope of `user_id`'s membership and yield the row of `columns` (aliases
    m: firms_membership, f: firms_firm), or None (no membership: no scope, settings cleared).
    The firm is in scope in the database only: callers add django-scopes' scope.

    The same database settings as `db_user(user_id)` to look the membership up, then
    `db_firm(membership.firm_id)` for the block, in 1 statement round trip instead of 4; on
    exit the settings are cleared as db_firm's exit does. Only outside any firm or user scope
    (the request's outermost scope)."""
    if in_scope():
        raise RuntimeError("db_member_firm opens the outermost scope only")
    statement = _MEMBER_SCOPE.get(columns)
    if statement is None:
        statement = _MEMBER_SCOPE[columns] = PreparedStatements(_MEMBER_SCOPE_SQL.format(columns=columns))
    rows = statement.fetchall(connection, [str(user_id), user_id, user_id])
    row = rows[0] if rows else None
    if row is None:
        push_settings()  # no membership (or it changed between the statements): no firm scope
        yield None
        return
    token = _current_firm.set(row[0])
    try:
        yield row[1:]
    finally:
        _current_firm.reset(token)
        if connection.connection is not None:
            push_settings()


@contextmanager
def owner_role():
    """Run as the schema owner, outside RLS. Only migrations, flush and platform jobs."""
    token = _owner_mode.set(True)
    try:
        if connection.connection is not None:
            with connection.cursor() as cur:
                cur.execute("RESET ROLE")
        yield
    finally:
        _owner_mode.reset(token)
        if connection.connection is not None:
            with connection.cursor() as cur:
                cur.execute(f'SET ROLE "{app_role()}"')


def firm_owned_tables() -> list[str]:
    return sorted(
        m._meta.db_table
        for m in apps.get_models()
        if issubclass(m, FirmOwned) and m._meta.managed and not m._meta.proxy
    )


def _policy_sql(table: str, condition: str) -> list[str]:
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS firm_isolation ON "{table}"',
        f'CREATE POLICY firm_isolation ON "{table}" USING ({condition}) WITH CHECK ({condition})',
    ]


def apply_grants_and_policies(using="default", **kwargs):
    """Idempotent; runs after every migrate so new firm-owned tables are covered at once."""
    role = app_role()
    statements = [
        f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE "{role}" NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
              END IF;
            END $$""",
        f'GRANT "{role}" TO CURRENT_USER',
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        f'REVOKE UPDATE, DELETE, TRUNCATE ON "{AuditEntry._meta.db_table}" FROM "{role}"',
    ]
    for table in firm_owned_tables():
        condition = "firm_id = app_current_firm()"
        if table == "firms_membership":
            # A signed-in user may read their own membership before the firm is known.
            condition = "firm_id = app_current_firm() OR user_id = app_current_user()"
        statements += _policy_sql(table, condition)
    statements += _policy_sql(Firm._meta.db_table, "id = app_current_firm()")
    from django.db import connections

    with connections[using].cursor() as cur:
        for sql in statements:
            cur.execute(sql)
