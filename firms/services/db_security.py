"""PostgreSQL side of tenancy: the application role, grants and row-level security.

Two logins. The application's connections ("default") log in as
settings.DATABASE_APP_LOGIN, a member of the application role (settings.DATABASE_APP_ROLE) and
nothing else; each also SETs ROLE to the application role as it opens. Both are NOSUPERUSER
NOBYPASSRLS and own nothing, so RLS always applies, and RESET ROLE on that connection only
returns to the app login — the owner's privileges are not reachable from it.
The login in DATABASE_URL owns the schema ("owner" alias); only `owner_role()` blocks use it:
migrate and flush (and tests or benchmarks acting as the owner). The platform reads that must
see every firm go through owner-owned functions instead (firms.selectors).
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.utils import load_backend

from firms.models import AuditEntry, AuditHead, Firm, FirmOwned

OWNER_ALIAS = "owner"
_owner_mode: ContextVar[bool] = ContextVar("owner_mode", default=False)
_current_firm: ContextVar[int | None] = ContextVar("current_firm", default=None)
_current_user: ContextVar[int | None] = ContextVar("current_user", default=None)


def current_firm_id() -> int | None:
    """The firm whose scope is in force (what the connection's app.firm_id says), or None."""
    return _current_firm.get()


def app_role() -> str:
    return settings.DATABASE_APP_ROLE


def app_login() -> str:
    return settings.DATABASES[DEFAULT_DB_ALIAS]["USER"]


def on_connection_created(sender, connection, **kwargs):
    """A new connection starts as the app role with the scope's settings (fail closed)."""
    # Only the application's alias: the owner's connection (and the no-database one that
    # creates and drops test databases) keeps its login's privileges.
    if connection.vendor != "postgresql" or connection.alias != DEFAULT_DB_ALIAS:
        return
    with connection.cursor() as cur:
        cur.execute(f'SET ROLE "{app_role()}"')
    push_settings(connection)


_PUSH = "SELECT set_config('app.firm_id', %s, false), set_config('app.user_id', %s, false)"


def push_settings(conn=connection) -> None:
    """Write the current firm/user scope into the connection's settings (or clear them)."""
    firm_id, user_id = _current_firm.get(), _current_user.get()
    with conn.cursor() as cur:
        cur.execute(
            _PUSH,
            ["" if firm_id is None else str(firm_id), "" if user_id is None else str(user_id)],
        )


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
def db_user(user_id: int | None, *, restore: bool = True):
    """The user's scope for the block. `restore=False`: on a normal exit the connection keeps
    the user setting, for a caller whose next step pushes a scope of its own (one round trip
    fewer per request); after an error it is always cleared."""
    token = _current_user.set(user_id)
    failed = False
    try:
        push_settings()
        yield
    except BaseException:
        failed = True
        raise
    finally:
        _current_user.reset(token)
        if (restore or failed) and connection.connection is not None:
            push_settings()


def _owner_connection_fresh():
    """A new connection with the owner's settings, under an alias of its own (not "owner")."""
    settings_dict, alias = connections.settings[OWNER_ALIAS], f"{OWNER_ALIAS}_fresh"
    connections[alias] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    return connections[alias]


@contextmanager
def owner_role(*, fresh_connection: bool = False):
    """Run as the schema owner, outside RLS: on the owner's own connection (DATABASE_URL),
    which stands in for the default alias inside the block (the ORM, `connection` and
    transaction.atomic() all follow). Only migrations, flush and platform jobs.

    A separate connection: work done here is not part of a transaction open on the app's
    connection, and is committed when the block's own atomic (or autocommit) ends.
    `fresh_connection`: a new owner connection, closed on exit (flush between tests, which
    must not depend on the test declaring the owner's alias)."""
    if _owner_mode.get():
        yield
        return
    token = _owner_mode.set(True)
    app_connection = connections[DEFAULT_DB_ALIAS]
    owner = _owner_connection_fresh() if fresh_connection else connections[OWNER_ALIAS]
    connections[DEFAULT_DB_ALIAS] = owner
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS] = app_connection
        _owner_mode.reset(token)
        if fresh_connection:
            owner.close()
            del connections[owner.alias]


def firm_owned_tables() -> list[str]:
    return sorted(
        m._meta.db_table
        for m in apps.get_models()
        if issubclass(m, FirmOwned) and m._meta.managed and not m._meta.proxy
    )


def _policy_sql(table: str, condition: str, check: str | None = None) -> list[str]:
    """`condition` decides which rows are seen; `check` (default: the same) which may be written."""
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS firm_isolation ON "{table}"',
        f'CREATE POLICY firm_isolation ON "{table}" USING ({condition}) '
        f"WITH CHECK ({check or condition})",
    ]


def roles_create_sql() -> str:
    """The application's role and login, created when missing (roles belong to the server, not
    to a database: a restore into a new server needs them before its GRANTs)."""
    role, login = app_role(), app_login()
    return f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE "{role}" NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
              END IF;
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{login}') THEN
                CREATE ROLE "{login}" LOGIN INHERIT NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
              END IF;
            END $$"""


def apply_grants_and_policies(using=OWNER_ALIAS, **kwargs):
    """Idempotent; runs after every migrate so new firm-owned tables are covered at once."""
    role, login = app_role(), app_login()
    statements = [
        roles_create_sql(),
        f'GRANT "{role}" TO CURRENT_USER',
        f'GRANT "{role}" TO "{login}"',
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        f'REVOKE UPDATE, DELETE, TRUNCATE ON "{AuditEntry._meta.db_table}" FROM "{role}"',
        # The published audit heads only grow; the schema history is the owner's.
        f'REVOKE UPDATE, DELETE, TRUNCATE ON "{AuditHead._meta.db_table}" FROM "{role}"',
        f'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "django_migrations" FROM "{role}"',
        # Nothing but the owner creates objects in the schema (PostgreSQL < 15 let PUBLIC).
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
    ]
    for table in firm_owned_tables():
        condition = "firm_id = app_current_firm()"
        if table == "firms_membership":
            # A signed-in user may read their own membership before the firm is known.
            condition = "firm_id = app_current_firm() OR user_id = app_current_user()"
        statements += _policy_sql(table, condition)
    # The firm of the user's own membership is readable with it (the request's one statement
    # for both, before the firm's scope exists); it is written only inside the firm's scope.
    statements += _policy_sql(
        Firm._meta.db_table,
        "id = app_current_firm() OR id IN (SELECT m.firm_id FROM firms_membership m"
        " WHERE m.user_id = app_current_user())",
        check="id = app_current_firm()",
    )

    with connections[using].cursor() as cur:
        if cur.connection.info.user == login:
            raise RuntimeError(
                f"DATABASE_URL logs in as the application's login {login!r}: "
                "it must name the schema owner"
            )
        for sql in statements:
            cur.execute(sql)
        if settings.DATABASE_APP_PASSWORD:
            cur.execute(f'ALTER ROLE "{login}" PASSWORD %s', [settings.DATABASE_APP_PASSWORD])
