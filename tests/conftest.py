"""Shared fixtures: two firms, a member of every role in firm A, and outsiders in firm B."""

import os

import pytest

os.environ.setdefault("DJANGO_DEBUG", "1")

from firms.choices import Role  # noqa: E402
from firms.services.tenancy import firm_scope  # noqa: E402

PASSWORD = "correct-horse-battery-staple-9"


def pytest_configure(config):
    from django.conf import settings

    # Tests create many users; a deliberately slow hash would only slow the suite down.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _audit_head_dir(settings, tmp_path):
    """Each test publishes audit heads into its own folder (firm ids repeat across test runs)."""
    settings.AUDIT_HEAD_DIR = tmp_path / "audit-heads"


def production_env(**extra) -> dict:
    """This process's environment as production runs: DEBUG off, a real key (override with
    `extra`), none of the test run's own switches."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="p" * 64,
        DJANGO_SETTINGS_MODULE="rebalance_site.settings",
    )
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def production_static_root(tmp_path_factory):
    """`collectstatic --noinput` run once, exactly as the Dockerfile runs it (production storage:
    hashed names and a manifest, which pages rendered with DEBUG off need). Its STATIC_ROOT."""
    import subprocess
    import sys
    from pathlib import Path

    root = tmp_path_factory.mktemp("staticfiles")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=Path(__file__).resolve().parents[1],
        env=production_env(STATIC_ROOT=str(root)),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return root


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """The test database is created and migrated by the owner's login ("owner" alias: the
    app's login may not create databases); the app's alias then points at the same database,
    still logging in as the app's login, and stays the one each test's transaction wraps."""
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    keepdb = django_db_keepdb and not django_db_createdb
    with django_db_blocker.unblock():
        db_cfg = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            keepdb=keepdb,
            aliases={"owner"},
            serialized_aliases=set(),
        )
        connections["default"].creation.set_as_test_mirror(connections["owner"].settings_dict)
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            connections.close_all()
            _close_leftover_sessions(connections["owner"], request)
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


def _close_leftover_sessions(owner, request):
    """A thread or child process of some test may still hold a connection to the test
    database; DROP DATABASE would then fail at the very end of a green run. Name them (as a
    warning) and end them, as the owner."""
    name = owner.settings_dict["NAME"]
    with owner._nodb_cursor() as cur:
        cur.execute(
            "SELECT pid, usename, application_name, state, left(query, 80) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        leftover = cur.fetchall()
        for pid, *_ in leftover:
            cur.execute("SELECT pg_terminate_backend(%s)", [pid])
    if leftover:
        request.node.warn(
            pytest.PytestWarning(f"sessions left on {name} at the end, ended: {leftover}")
        )


@pytest.fixture
def firm_a(db):
    from firms.services.members import firm_create

    return firm_create(name="Alpha Advisors", slug="alpha")


@pytest.fixture
def firm_b(db):
    from firms.services.members import firm_create

    return firm_create(name="Bravo Wealth", slug="bravo")


def _member(firm, role, tag):
    from firms.services.members import member_create

    with firm_scope(firm):
        return member_create(
            firm=firm,
            email=f"{tag}-{role}@{firm.slug}.test",
            role=role,
            password=PASSWORD,
            name=f"{tag.title()} {role}",
        )


@pytest.fixture
def members_a(firm_a):
    """One member of firm A per staff role, keyed by role."""
    return {role: _member(firm_a, role, "a") for role in Role.values if role != Role.CLIENT}


@pytest.fixture
def members_b(firm_b):
    return {role: _member(firm_b, role, "b") for role in Role.values if role != Role.CLIENT}


@pytest.fixture
def two_books(firm_a, firm_b):
    """A book in each firm: 2 accounts in A, 3 in B."""
    from tests.factories import make_book

    with firm_scope(firm_a):
        a = make_book(firm_a, accounts=2)
    with firm_scope(firm_b):
        b = make_book(firm_b, accounts=3)
    return a, b


@pytest.fixture
def scoped(firm_a):
    """Run the test body inside firm A's scope."""
    with firm_scope(firm_a):
        yield firm_a


@pytest.fixture
def login(client):
    def _login(membership):
        client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login
