"""Per-request cost of the pages under load, one request at a time (no concurrency): SQL
queries and wall/CPU milliseconds per page through the whole middleware stack (Django's test
client), against the load database. Run inside it, e.g.

  DJANGO_DEBUG=0 DJANGO_SECRET_KEY=x SECURE_SSL_REDIRECT=0 \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rebalance_load \
    REDIS_URL=redis://127.0.0.1:6379/1 \
    .venv/bin/python loadtest/profile_pages.py [--firm harbor] [-n 30] [--profile PAGE]

(DJANGO_DEBUG=0 as `make loadtest` runs; SECURE_SSL_REDIRECT=0 because the test client speaks
plain http. Statements are counted with an execute wrapper, so whatever DEBUG is; the
connection health check's `SELECT 1`, made on a reused connection at a request's first query
under gunicorn, does not run under the test client and is not counted.)

--profile PAGE prints cProfile's top functions (cumulative) for that page name."""

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rebalance_site.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402


def client_for(email: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(
        get_user_model().objects.get(email=email),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    return client


def first(pattern: str, text: str) -> str | None:
    found = re.findall(pattern, text)
    return found[0] if found else None


def pages(firm: str) -> list[tuple[str, Client, str]]:
    advisor, client = client_for(f"advisor1@{firm}.demo"), None
    drift = advisor.get("/drift/").content.decode()
    account = first(r'href="(/drift/accounts/\d+/)"', drift)
    proposal = (
        first(r'href="(/drift/proposals/\d+/)"', advisor.get(account).content.decode())
        if account
        else None
    )
    out = [
        ("/ (redirect: the floor)", advisor, "/"),
        ("/drift/", advisor, "/drift/"),
        ("/book/accounts/", advisor, "/book/accounts/"),
    ]
    if account:
        out.append(("/drift/accounts/[id]/", advisor, account))
    if proposal:
        out.append(("/drift/proposals/[id]/", advisor, proposal))
    for n in range(1, 6):  # the first client login that has a proposal in the portal
        client = client_for(f"client{n}@{firm}.demo")
        portal = first(r'href="(/portal/proposals/\d+/)"', client.get("/portal/").content.decode())
        if portal:
            break
    out.append(("/portal/", client, "/portal/"))
    if portal:
        out.append(("/portal/proposals/[id]/", client, portal))
    return out


def backend_cpu_ms() -> float | None:
    """CPU time (ms) used so far by this connection's PostgreSQL backend (same machine only)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def measure(client: Client, path: str, n: int) -> dict:
    client.get(path)  # warm: templates compiled, connection open
    walls, cpus = [], []
    captured = []

    def capture(execute, sql, params, many, context):  # every statement, whatever DEBUG is
        captured.append(
            {"sql": sql % tuple(params) if isinstance(params, (list, tuple)) and params else sql}
        )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        response = client.get(path)
    assert response.status_code in (200, 302), (
        path,
        response.status_code,
    )  # 302: the floor's redirect
    pg_before = backend_cpu_ms()
    for _ in range(n):
        w, c = time.perf_counter(), time.process_time()
        client.get(path)
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    pg_after = backend_cpu_ms()
    pg = (
        (pg_after - pg_before) / n
        if pg_before is not None and pg_after is not None
        else float("nan")
    )
    return {
        "pg": pg,
        "queries": len(captured),
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "cpu_min": min(cpus),
        "bytes": len(response.content),
        "sql": [q["sql"] for q in captured],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--firm", default="harbor")
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--profile", default="")
    parser.add_argument("--sql", default="", help="print the SQL of this page")
    args = parser.parse_args()
    print(
        f"{'page':26} {'queries':>7} {'wall ms':>8} {'cpu ms':>7} {'min':>5} {'pg ms':>6} "
        f"{'KB':>6}   "
        f"(wall and cpu: median, and min, of {args.n}; pg: the backend's CPU per request, mean)"
    )
    for name, client, path in pages(args.firm):
        m = measure(client, path, args.n)
        print(
            f"{name:26} {m['queries']:>7} {m['wall']:>8.1f} {m['cpu']:>7.1f} {m['cpu_min']:>5.1f} "
            f"{m['pg']:>6.2f} "
            f"{m['bytes'] / 1024:>6.1f}"
        )
        if name == args.sql:
            for sql in m["sql"]:
                print("    ", sql[:220])
        if name == args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.n):
                client.get(path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats(
                os.environ.get("PROFILE_SORT", "cumulative")
            ).print_stats(
                *([os.environ["PROFILE_FILTER"]] if os.environ.get("PROFILE_FILTER") else []),
                int(os.environ.get("PROFILE_LINES", "45")),
            )
