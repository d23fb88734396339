"""Backup and restore of the whole product (docs/OPERATIONS.md): the database as one pg_dump
archive (custom format) made as the schema owner, the files (MEDIA_ROOT: signed PDFs, reports,
committee documents; AUDIT_HEAD_DIR: the published audit heads) as tar archives, and a
manifest with every file's SHA-256 and every table's row count at the dump's snapshot.

A restore goes into a fresh database: the application's roles are created when missing (they
belong to the server), pg_restore runs in one transaction (all or nothing, with the row-level
security policies, grants and owners of the dump), the files are unpacked, and every table's row
count is checked against the manifest.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.util import find_spec
from pathlib import Path

import psycopg
from django.conf import settings
from psycopg import sql

from firms.services.db_security import OWNER_ALIAS, roles_create_sql

DUMP = "database.dump"
MEDIA = "media.tar.gz"
AUDIT_HEADS = "audit-heads.tar.gz"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what is wrong."""


@dataclass
class RestoreReport:
    database: str
    tables: int
    rows: int
    media_files: int
    mismatches: list[str] = field(default_factory=list)


def _owner(database: str | None = None) -> dict:
    """Connection settings of the schema owner (DATABASE_URL), optionally another database."""
    db = settings.DATABASES[OWNER_ALIAS]
    return {
        "host": db.get("HOST") or "",
        "port": str(db.get("PORT") or ""),
        "user": db.get("USER") or "",
        "password": db.get("PASSWORD") or "",
        "dbname": database or db["NAME"],
    }


def _libpq_env(params: dict) -> dict:
    """The owner's login for pg_dump / pg_restore, passed in the environment (no password in
    the process list)."""
    env = dict(os.environ)
    for key, var in [
        ("host", "PGHOST"),
        ("port", "PGPORT"),
        ("user", "PGUSER"),
        ("password", "PGPASSWORD"),
        ("dbname", "PGDATABASE"),
    ]:
        if params[key]:
            env[var] = params[key]
        else:
            env.pop(var, None)
    return env


def _connect(params: dict, **kwargs) -> psycopg.Connection:
    return psycopg.connect(**{k: v for k, v in params.items() if v}, **kwargs)


def _tool_major(path: str) -> int | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    return int(match.group(1)) if out.returncode == 0 and match else None


def pg_tool(name: str, server_major: int) -> str:
    """pg_dump / pg_restore of the server's major version or newer (an older pg_dump refuses a
    newer server): PG_BIN_DIR, the server's own version's Debian directory, the embedded
    server's (pgserver) binaries, then PATH."""
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(str(Path(os.environ["PG_BIN_DIR"]) / name))
    candidates.append(f"/usr/lib/postgresql/{server_major}/bin/{name}")
    spec = find_spec("pgserver")
    if spec and spec.origin:
        candidates.append(str(Path(spec.origin).parent / "pginstall" / "bin" / name))
    if shutil.which(name):
        candidates.append(shutil.which(name))
    found = []
    for path in candidates:
        if Path(path).is_file():
            major = _tool_major(path)
            if major is not None and major >= server_major:
                return path
            found.append(f"{path} ({major})")
    raise BackupError(
        f"{name} {server_major} or newer is needed for this PostgreSQL {server_major} server;"
        f" found: {', '.join(found) or 'none'}. Install postgresql-client-{server_major}"
        " or set PG_BIN_DIR"
    )


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _row_counts(cur) -> dict[str, int]:
    """Rows of every table of the schema, as the cursor's transaction sees them."""
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    counts = {}
    for (table,) in cur.fetchall():
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cur.fetchone()[0]
    return counts


def _tar(source: Path, target: Path) -> int:
    """Every file under `source` (relative names) into a gzipped tar; the count of files."""
    files = 0
    with tarfile.open(target, "w:gz") as tar:
        if source.exists():
            for path in sorted(source.rglob("*")):
                tar.add(path, arcname=str(path.relative_to(source)), recursive=False)
                files += path.is_file()
    return files


def backup_create(directory: Path) -> dict:
    """Write a backup into `directory` (which must not exist); its manifest. Built under a
    temporary name and renamed at the end: a backup that failed halfway never looks whole."""
    directory = Path(directory)
    if directory.exists():
        raise BackupError(f"{directory} already exists: name a new directory for the backup")
    partial = directory.with_name(directory.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    params = _owner()
    try:
        # One snapshot for the dump and the row counts: pg_dump joins the transaction's view.
        with _connect(params) as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with conn.cursor() as cur:
                cur.execute("SELECT pg_export_snapshot(), current_setting('server_version_num')")
                snapshot, version = cur.fetchone()
                pg_dump = pg_tool("pg_dump", int(version) // 10000)
                counts = _row_counts(cur)
                _run(
                    [
                        pg_dump,
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        f"--file={partial / DUMP}",
                        params["dbname"],
                    ],
                    _libpq_env(params),
                )
        media_files = _tar(Path(settings.MEDIA_ROOT), partial / MEDIA)
        head_files = _tar(Path(settings.AUDIT_HEAD_DIR), partial / AUDIT_HEADS)
        manifest = {
            "created_at": datetime.now(UTC).isoformat(),
            "database": params["dbname"],
            "server_version_num": int(version),
            "files": {name: _sha256(partial / name) for name in (DUMP, MEDIA, AUDIT_HEADS)},
            "media_files": media_files,
            "audit_head_files": head_files,
            "row_counts": counts,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        partial.rename(directory)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return manifest


def _read_manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    if not path.exists():
        raise BackupError(f"{directory} is not a backup: {MANIFEST} is missing")
    manifest = json.loads(path.read_text())
    for name, expected in manifest["files"].items():
        file = Path(directory) / name
        if not file.exists():
            raise BackupError(f"{file} is missing")
        if _sha256(file) != expected:
            raise BackupError(f"{file} does not match its SHA-256 in the manifest (damaged?)")
    return manifest


def _untar(archive: Path, target: Path) -> int:
    """Unpack into `target` (created if missing): names outside it are refused."""
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        tar.extractall(target, filter="data")
    return sum(1 for m in members if m.isfile())


def backup_restore(
    directory: Path, *, database: str, media_root: Path, audit_head_dir: Path
) -> RestoreReport:
    """Restore a backup into a new database `database` on the owner's server and the files
    into the two (empty) directories; every table's rows are counted against the manifest."""
    directory = Path(directory)
    manifest = _read_manifest(directory)
    for folder in (Path(media_root), Path(audit_head_dir)):
        if folder.exists() and any(folder.iterdir()):
            raise BackupError(f"{folder} is not empty: restore the files into an empty directory")
    params = _owner()
    with _connect({**params, "dbname": "postgres"}, autocommit=True) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if cur.fetchone():
                raise BackupError(
                    f"database {database!r} already exists: restore into a new database"
                )
            cur.execute("SELECT current_setting('server_version_num')")
            pg_restore = pg_tool("pg_restore", int(cur.fetchone()[0]) // 10000)
            cur.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(database), sql.Identifier(params["user"])
                )
            )
            # The application's role and login: the dump's GRANTs and policies name them.
            cur.execute(roles_create_sql())
    target = {**params, "dbname": database}
    try:
        _run(
            [
                pg_restore,
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={database}",
                str(directory / DUMP),
            ],
            _libpq_env(target),
        )
    except BackupError:
        _drop(params, database)  # nothing half-restored is left behind
        raise
    media_files = _untar(directory / MEDIA, Path(media_root))
    _untar(directory / AUDIT_HEADS, Path(audit_head_dir))
    with _connect(target) as conn, conn.cursor() as cur:
        counts = _row_counts(cur)
    expected = manifest["row_counts"]
    mismatches = [
        f"{table}: {counts.get(table)} rows restored, {rows} backed up"
        for table, rows in sorted(expected.items())
        if counts.get(table) != rows
    ] + [f"{table}: not in the backup" for table in sorted(set(counts) - set(expected))]
    return RestoreReport(
        database=database,
        tables=len(counts),
        rows=sum(counts.values()),
        media_files=media_files,
        mismatches=mismatches,
    )


def _drop(params: dict, database: str) -> None:
    with _connect({**params, "dbname": "postgres"}, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(database)))
