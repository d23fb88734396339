"""The backup and restore round trip (docs/OPERATIONS.md), with the real commands as separate
processes: a firm with an approved proposal, its signed PDF and a published audit head is backed
up (pg_dump of the whole database, tar of the files), restored into a fresh database and empty
directories; the restored copy has every table's rows, an intact audit chain, the signed PDF
whose stored hash matches its file, and row-level security working for the app's login."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.db import connections

from approvals.models import Approval, Signature
from approvals.services import approval_client_approve, approvals_start
from approvals.services.decisions import Evidence
from approvals.services.signed_pdf import signature_pdf_store
from firms.services.audit import audit_head_publish
from firms.services.backup import BackupError, backup_create, backup_restore
from firms.services.db_security import app_login, app_role
from firms.services.tenancy import firm_scope
from tests.approvals.helpers import NOW, checked, route_emails_to
from tests.ops.helpers import owner_database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)
MAIN_TABLES = [
    "firms_firm",
    "firms_membership",
    "firms_auditentry",
    "firms_audithead",
    "portfolios_account",
    "portfolios_position",
    "drift_proposal",
    "approvals_approval",
    "approvals_signature",
]


@pytest.fixture
def quiet_emails(monkeypatch):
    def deliver(**kwargs):
        pass

    monkeypatch.setattr("approvals.services.notify._deliver", deliver)
    route_emails_to(monkeypatch, deliver)


def _signed_and_approved(firm) -> Signature:
    """The client signs the proposal; a worker's job renders and stores the signed PDF."""
    checked(firm, value="50000.00")
    with firm_scope(firm):
        approvals_start(firm_id=firm.pk, now=NOW)
        approval = Approval.objects.select_related("proposal__account__client").get()
        client = approval.proposal.account.client
        result = approval_client_approve(
            approval_id=approval.pk,
            user=client.user,
            evidence=Evidence(
                typed_name=client.name,
                ip_address="203.0.113.9",
                user_agent="pytest",
                auth_method="email_link",
                shown_hash=approval.content_hash,
            ),
            now=NOW + timedelta(hours=1),
        )
        assert result.changed
        signature = Signature.objects.get()
        assert signature_pdf_store(signature.pk) is True
        assert audit_head_publish(firm_id=firm.pk) is not None
        signature.refresh_from_db()
        return signature


def _manage(*args, env_extra: dict) -> subprocess.CompletedProcess:
    env = dict(os.environ, **env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _owner_connect(dbname: str) -> psycopg.Connection:
    db = connections["owner"].settings_dict
    params = {
        "host": db["HOST"],
        "port": db["PORT"],
        "user": db["USER"],
        "password": db["PASSWORD"],
        "dbname": dbname,
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True)


def _counts(dbname: str) -> dict[str, int]:
    with _owner_connect(dbname) as conn:
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            for table in MAIN_TABLES
        }


def _security(dbname: str) -> tuple:
    """Row-level security as the catalogue holds it: tables with RLS forced, policies."""
    with _owner_connect(dbname) as conn:
        forced = conn.execute(
            "SELECT relname FROM pg_class WHERE relrowsecurity AND relforcerowsecurity"
            " ORDER BY relname"
        ).fetchall()
        policies = conn.execute(
            "SELECT tablename, policyname, qual FROM pg_policies ORDER BY 1, 2"
        ).fetchall()
    return forced, policies


@pytest.fixture
def restored_name():
    name = f"{connections['owner'].settings_dict['NAME']}_restored"
    yield name
    with _owner_connect("postgres") as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_a_backup_restores_into_a_fresh_database_whole_and_nothing_else(
    firm_a, quiet_emails, tmp_path, settings, restored_name
):
    settings.MEDIA_ROOT = tmp_path / "media"
    signature = _signed_and_approved(firm_a)
    source = connections["owner"].settings_dict["NAME"]
    env = {
        "DATABASE_URL": owner_database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "AUDIT_HEAD_DIR": str(settings.AUDIT_HEAD_DIR),
    }

    backup = tmp_path / "backup"
    made = _manage("backup_create", str(backup), env_extra=env)
    assert made.returncode == 0, made.stderr
    assert {p.name for p in backup.iterdir()} == {
        "database.dump",
        "media.tar.gz",
        "audit-heads.tar.gz",
        "manifest.json",
    }
    # A second backup never overwrites the first.
    with pytest.raises(BackupError, match="already exists: name a new directory"):
        backup_create(backup)

    media, heads = tmp_path / "restored-media", tmp_path / "restored-heads"
    restored = _manage(
        "backup_restore",
        str(backup),
        "--database",
        restored_name,
        "--media-root",
        str(media),
        "--audit-head-dir",
        str(heads),
        env_extra=env,
    )
    assert restored.returncode == 0, restored.stderr
    assert "(as backed up)" in restored.stdout  # every table's rows checked against the manifest

    # The same rows in the main tables, none of them empty.
    counts = _counts(restored_name)
    assert counts == _counts(source) and all(counts.values()), counts
    # The same row-level security: forced on every firm table, the same policies.
    assert _security(restored_name) == _security(source)
    assert len(_security(restored_name)[1]) >= 20

    # Pointed at the restored copy, the product finds its schema complete and the chain intact
    # (the HMAC key comes from the same DJANGO_SECRET_KEY; the heads from the restored files).
    restored_env = {
        "DATABASE_URL": owner_database_url(restored_name),
        "MEDIA_ROOT": str(media),
        "AUDIT_HEAD_DIR": str(heads),
    }
    check = _manage("migrate", "--check", env_extra=restored_env)
    assert check.returncode == 0, check.stdout + check.stderr  # no migration missing
    verified = _manage("verify_audit", env_extra=restored_env)
    assert verified.returncode == 0, verified.stderr
    assert f"{firm_a.slug}:" in verified.stdout and "chain intact" in verified.stdout
    assert "checked against 1 published head" in verified.stdout

    # The signed PDF: the stored hash matches the restored file, byte for byte the original.
    with _owner_connect(restored_name) as conn:
        name, stored_hash = conn.execute(
            "SELECT pdf, pdf_sha256 FROM approvals_signature WHERE id = %s", [signature.pk]
        ).fetchone()
    data = (media / name).read_bytes()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == stored_hash
    assert stored_hash == signature.pdf_sha256
    assert data == (Path(settings.MEDIA_ROOT) / name).read_bytes()

    # The application's login on the restored copy: RLS shows nothing outside a firm's scope.
    db = connections["owner"].settings_dict
    app_params = {"host": db["HOST"], "port": db["PORT"], "user": app_login()}
    with psycopg.connect(
        **{k: v for k, v in app_params.items() if v}, dbname=restored_name, autocommit=True
    ) as conn:
        conn.execute(f'SET ROLE "{app_role()}"')
        assert conn.execute("SELECT count(*) FROM approvals_signature").fetchone()[0] == 0
        conn.execute("SELECT set_config('app.firm_id', %s, false)", [str(firm_a.pk)])
        assert conn.execute("SELECT count(*) FROM approvals_signature").fetchone()[0] == 1

    # Refused, with nothing written: a database that exists, a damaged backup.
    def restore(source, database, n):
        backup_restore(
            source,
            database=database,
            media_root=tmp_path / f"m{n}",
            audit_head_dir=tmp_path / f"h{n}",
        )

    with pytest.raises(BackupError, match="already exists: restore into a new database"):
        restore(backup, restored_name, 1)
    damaged = tmp_path / "damaged"
    shutil.copytree(backup, damaged)
    dump = damaged / "database.dump"
    dump.write_bytes(dump.read_bytes()[:-100])
    with pytest.raises(BackupError, match="does not match its SHA-256"):
        restore(damaged, f"{restored_name}_2", 2)
    # A dump pg_restore cannot read through (its manifest made to agree): the new database is
    # dropped again, not left half-restored.
    manifest = json.loads((damaged / "manifest.json").read_text())
    manifest["files"]["database.dump"] = hashlib.sha256(dump.read_bytes()).hexdigest()
    (damaged / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match="pg_restore failed"):
        restore(damaged, f"{restored_name}_2", 2)
    with _owner_connect("postgres") as conn:
        assert not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [f"{restored_name}_2"]
        ).fetchone()
    assert not (tmp_path / "m1").exists() and not (tmp_path / "m2").exists()
