"""SQL on the application's connection cannot reach the owner's powers.

The app logs in as its own role (DATABASE_APP_LOGIN): RESET ROLE returns to that login, SET ROLE
to the owner is refused, and what the login may touch outside RLS holds nothing replayable
(API tokens and session keys stored as hashes)."""

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction

from firms.models import AuditEntry, Firm
from firms.services.api_tokens import api_token_create, api_token_user
from firms.services.audit import audit_record
from firms.services.db_security import owner_role
from firms.services.tenancy import firm_scope

pytestmark = pytest.mark.django_db

OWNER = settings.DATABASES["owner"]["USER"]


def _sql(sql, params=None):
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else None


def test_the_app_connection_logs_in_as_the_app_login_not_the_owner():
    assert connection.settings_dict["USER"] == settings.DATABASE_APP_LOGIN != OWNER
    session_user, current_user = _sql("SELECT session_user, current_user")[0]
    assert (session_user, current_user) == (settings.DATABASE_APP_LOGIN, settings.DATABASE_APP_ROLE)


def test_reset_role_returns_to_a_login_without_owner_powers(firm_a, firm_b):
    with firm_scope(firm_a):
        audit_record(firm_id=firm_a.pk, event="test.keep")
    _sql("RESET ROLE")
    try:
        assert _sql("SELECT current_user")[0][0] == settings.DATABASE_APP_LOGIN
        flags = _sql(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles "
            "WHERE rolname = current_user"
        )
        assert flags == [(False, False, False, False)]
        assert _sql("SELECT pg_has_role(current_user, %s, 'MEMBER')", [OWNER]) == [(False,)]
        # No owner privilege: the audit triggers cannot be switched off, rows cannot be edited,
        # RLS cannot be turned off, and with no firm set no firm's rows are visible.
        for sql, error in [
            (
                "ALTER TABLE firms_auditentry DISABLE TRIGGER audit_no_update_delete",
                "must be owner",
            ),
            ("UPDATE firms_auditentry SET event = 'forged'", "permission denied"),
            ("ALTER TABLE firms_firm NO FORCE ROW LEVEL SECURITY", "must be owner"),
            ("CREATE TABLE stolen (id int)", "permission denied"),
        ]:
            with pytest.raises(DatabaseError, match=error):
                _sql(sql)
        _sql("SELECT set_config('app.firm_id', '', false)")
        assert _sql("SELECT count(*) FROM firms_firm") == [(0,)]
        assert _sql("SELECT count(*) FROM firms_auditentry") == [(0,)]
    finally:
        _sql(f'SET ROLE "{settings.DATABASE_APP_ROLE}"')


@pytest.mark.parametrize("sql", [f'SET ROLE "{OWNER}"', f'SET SESSION AUTHORIZATION "{OWNER}"'])
def test_the_app_connection_cannot_become_the_owner(sql):
    with pytest.raises(DatabaseError, match="permission denied"):
        _sql(sql)
    with pytest.raises(DatabaseError, match="permission denied"):
        _sql("RESET ROLE; " + sql)
    _sql(f'SET ROLE "{settings.DATABASE_APP_ROLE}"')


def test_platform_reads_need_no_owner_privileges(firm_a, firm_b):
    from firms.selectors import firm_find, firm_ids_all

    assert {firm_a.pk, firm_b.pk} <= set(firm_ids_all())
    assert firm_find("bravo").pk == firm_b.pk and firm_find("nope") is None


@pytest.mark.django_db(databases=["default", "owner"])
def test_owner_role_works_on_the_owners_own_connection():
    with owner_role():
        assert connection.alias == "owner"
        with connection.cursor() as cur:
            cur.execute("SELECT session_user")
            assert cur.fetchone()[0] == OWNER
    assert (
        connection.alias == "default"
        and connections["default"].settings_dict["USER"] == settings.DATABASE_APP_LOGIN
    )


def test_api_tokens_are_stored_as_hashes_only(members_a):
    user = members_a["ops"].user
    key = api_token_create(user)
    rows = _sql("SELECT key_hash, prefix FROM firms_apitoken WHERE user_id = %s", [user.pk])
    assert len(rows) == 1 and key not in rows[0][0] and rows[0][1] == key[:8]
    assert _sql("SELECT to_regclass('authtoken_token')") == [
        (None,)
    ]  # DRF's plain-text table is gone
    assert api_token_user(key) == user and api_token_user(key[:-1] + "x") is None


def test_session_rows_hold_no_cookie_key(client, members_a):
    client.force_login(members_a["ops"].user, backend="django.contrib.auth.backends.ModelBackend")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    stored = [r[0] for r in _sql("SELECT session_key FROM django_session")]
    assert stored and cookie not in stored
    assert (
        client.get("/").status_code in (200, 302)
        and client.get("/").wsgi_request.user.is_authenticated
    )


@pytest.mark.django_db(transaction=True, databases=["default", "owner"])
def test_the_migration_hashes_existing_drf_tokens_and_drops_their_table(members_a):
    from importlib import import_module

    migration = import_module("firms.migrations.0004_audit_heads_hmac_api_tokens")
    user = members_a["advisor"].user
    with owner_role(), connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamptz NOT NULL,"
            " user_id integer NOT NULL)"
        )
        cur.execute(
            "INSERT INTO authtoken_token VALUES ('0123456789abcdef0123456789abcdef01234567', "
            "now(), %s)",
            [user.pk],
        )
        cur.execute(migration.TOKENS_HASHED)
        cur.execute("SELECT to_regclass('authtoken_token')")
        assert cur.fetchone()[0] is None
    assert api_token_user("0123456789abcdef0123456789abcdef01234567") == user


def test_firm_creation_needs_no_owner(firm_a):
    assert Firm.objects.filter(pk=firm_a.pk).count() == 0  # outside its scope the row is hidden
    with firm_scope(firm_a):
        assert Firm.objects.get(pk=firm_a.pk).slug == "alpha"
        assert AuditEntry.objects.filter(event="firm.created").count() == 1
