"""CPU seconds the load test's server side used, for CPU per request in the summary:
`python loadtest/cpu_monitor.py GUNICORN_PID OUT.json [WORKER_PID]` samples every 2 s, until
SIGTERM, the CPU time of gunicorn (master and workers), of the Celery worker (and its children)
and of the PostgreSQL backends connected to the load database (same machine; a backend that
ends between samples loses at most 2 s), then writes {"gunicorn_s": …, "worker_s": …,
"postgres_s": …, "seconds": …}. Everything else on the machine is not counted."""

import json
import os
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def backends(cur, db: str) -> list[int]:
    cur.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [db]
    )
    return [r[0] for r in cur.fetchall()]


def main(gunicorn: int, out: Path, worker: int | None = None) -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    db = urlparse(url).path.lstrip("/")
    conn = psycopg.connect(
        urlparse(url)._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    )
    conn.autocommit = True
    seen: dict[int, float] = {}  # pid -> latest CPU seconds
    start: dict[
        int, float
    ] = {}  # pid -> CPU seconds before the load (0 for a process born during it)
    kind: dict[int, str] = {}
    began, first = time.monotonic(), True
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *a: stop.update(now=True))
    while not stop["now"]:
        with conn.cursor() as cur:
            pids = [(p, "gunicorn") for p in [gunicorn, *children(gunicorn)]] + [
                (p, "postgres") for p in backends(cur, db)
            ]
            if worker:
                pids += [(p, "worker") for p in [worker, *children(worker)]]
        for pid, what in pids:
            value = cpu_s(pid)
            if value is None:
                continue
            start.setdefault(pid, value if first else 0.0)
            seen[pid], kind[pid] = max(seen.get(pid, 0.0), value), what
        first = False
        time.sleep(2)
    used = {"gunicorn": 0.0, "worker": 0.0, "postgres": 0.0}
    for pid, value in seen.items():
        used[kind[pid]] += value - start.get(pid, 0.0)
    out.write_text(
        json.dumps(
            {
                "gunicorn_s": round(used["gunicorn"], 2),
                "worker_s": round(used["worker"], 2),
                "postgres_s": round(used["postgres"], 2),
                "seconds": round(time.monotonic() - began, 1),
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else None)
