"""PostgreSQL restarted mid-request and mid-batch. The app recovers without manual
action, and no stale connection fails a request or a task once the server is back.

The test owns its PostgreSQL: the `pgserver` package's PostgreSQL 16 binaries, `initdb` into
a temp dir, on a free loopback port, started, restarted and stopped with `pg_ctl` (never the
machine's server). `migrate` then creates the schema, the application role and the RLS
policies exactly as on any fresh server, and `pg_restart_seed.py` seeds it.

1. Web: gunicorn (2 sync workers) with the production DATABASES settings (CONN_MAX_AGE 60,
   CONN_HEALTH_CHECKS on) serves a signed-in firm-A advisor to 3 client threads. Each cycle
   restarts PostgreSQL with `pg_ctl restart -m fast` or `pg_ctl stop -m immediate` + `start`,
   either while the stream runs (requests in flight are cut) or while the server is idle
   (each worker then holds a persistent connection that the restart made stale). A request
   that *started* after pg_ctl reported the server ready is "after": every one must succeed
   (200, or 404 for firm B's account), with the old session cookie, firm A's name and rows,
   and none of firm B's markers; a fresh sign-in must work too. The server's log must show
   no error once every request of the outage was answered, and PostgreSQL's statement log
   must show `SET ROLE` and the firm setting on every new connection before any table is read.
2. Batch: a real Celery worker (prefork, as the Procfile runs it) runs the 9:45 batch with a
   slow simulated custodian; PostgreSQL restarts while the worker waits for the custodian's
   acknowledgement (the sell block is already at the custodian, still `sending` here). The
   cut task must retry itself on a fresh connection (FirmTask); were the batch still not done,
   it is sent again as the minute due check does. Every block reaches the custodian exactly
   once (attempts == 1), every (proposal, trade) has one order, no task fails after the
   restart, and the worker's processes are the same ones (nothing restarted). Outcomes are
   read from the worker's INFO log (the settings may not store task results).

`make test`: 2 web cycles (fast/stream, immediate/idle) and the batch with a fast restart.
`make reliability` (RELIABILITY=1): 12 web cycles (3 × each mode × stream/idle) and the batch
with both modes. Figures: test-artifacts/reliability/postgres_restart_{web,batch_*}.json."""

import atexit
import importlib.util
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil
import psycopg
import pytest
import requests
from django.conf import settings

from tests.reliability.waiting import wait_until
from tests.trading.helpers import TRADE_DAY
from trading.tasks import trade_batch_firm

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "reliability"
PG_BIN = Path(importlib.util.find_spec("pgserver").origin).parent / "pginstall" / "bin"
HEAVY = os.environ.get("RELIABILITY") == "1"
DB_NAME = "reb_pgrestart"
PROBE = "pgrestart-probe"  # application_name of the test's own (superuser) connections

MODES = ("fast", "immediate")
WEB_CYCLES = (
    [(m, w) for _ in range(3) for m in MODES for w in ("stream", "idle")]
    if HEAVY
    else [("fast", "stream"), ("immediate", "idle")]
)
BEFORE_S = 1.0  # stream time before the restart
AFTER_S = 5.0 if HEAVY else 2.0  # stream time after the server is back
CLIENT_THREADS = 3
GUNICORN_WORKERS = 2
CUSTODIAN_LATENCY_S = 3  # the restart happens inside this acknowledgement wait

SERVER_ERRORS = re.compile(
    r"Traceback|Internal Server Error|OperationalError|InterfaceError|connection already closed"
    r"|server closed the connection|terminating connection|WORKER TIMEOUT|Booting worker"
    r"|Worker exited|Error handling request"
)
PG_LINE = re.compile(r"^(\d+)\|([^|]*)\| LOG:  (statement|connection received): ?(.*)$")
TABLE_ACCESS = re.compile(r'\b(FROM|INTO|UPDATE|JOIN)\s+"', re.IGNORECASE)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EmbeddedPostgres:
    """Our own PostgreSQL under a temp dir. As root it runs as `nobody` (postgres refuses to run
    as root; no system user is created). `close()` always stops it and removes the dir."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="reb-pgrestart-"))
        self.root.chmod(0o755)
        self.data, self.sockets, self.logs, self.app_logs = (
            self.root / d for d in ("data", "run", "log", "app")
        )
        for d in (self.data, self.sockets, self.logs, self.app_logs):
            d.mkdir()
        self.log = self.logs / "postgres.log"
        self.port = _free_port()
        self._as: dict = {}
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            self._as = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
            for d in (self.data, self.sockets, self.logs):
                os.chown(d, nobody.pw_uid, nobody.pw_gid)
        self._run(
            "initdb",
            "-D",
            self.data,
            "--auth=trust",
            "-U",
            "postgres",
            "--encoding=utf8",
            "--no-sync",
        )
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"""
listen_addresses = '127.0.0.1'
port = {self.port}
unix_socket_directories = '{self.sockets}'
max_connections = 40
# A process restart, not a machine crash: committed WAL is in the kernel's page cache either
# way (synchronous_commit stays on), so skipping fsync loses nothing here and saves time.
fsync = off
logging_collector = on
log_directory = '{self.logs}'
log_filename = 'postgres.log'
log_file_mode = 0644
log_rotation_age = 0
log_rotation_size = 0
log_line_prefix = '%p|%a| '
log_connections = on
log_statement = 'all'
""")

    def _run(self, tool: str, *args, timeout: float = 120) -> None:
        with open(self.root / "pg_ctl.out", "ab") as out:
            subprocess.run(
                [str(PG_BIN / tool), *map(str, args)],
                check=True,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                timeout=timeout,
                **self._as,
            )

    def _ctl(self, *args) -> None:
        self._run("pg_ctl", "-D", self.data, "-w", "-t", "60", *args)

    def start(self) -> None:
        self._ctl("-l", self.logs / "startup.log", "start")

    def restart(self, mode: str) -> tuple[float, float]:
        """Restart with `mode`; returns (monotonic time the stop began, time it accepts queries)."""
        down = time.monotonic()
        if mode == "fast":
            self._ctl("-m", "fast", "restart")
        else:  # SIGQUIT to every backend, no checkpoint: crash recovery on the way back up
            self._ctl("-m", "immediate", "stop")
            self.start()
        assert wait_until(self._ready, 60), "the embedded PostgreSQL did not come back"
        return down, time.monotonic()

    def _ready(self) -> bool:
        try:
            self.query("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def query(self, sql: str, params=(), db: str = DB_NAME) -> list:
        conn = psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=db,
            application_name=PROBE,
            connect_timeout=5,
        )
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DB_NAME}"

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def log_from(self, offset: int) -> str:
        with open(self.log, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

    def app_connections(self) -> int:
        """Client connections to the test database other than the test's own probes."""
        return self.query(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = %s AND backend_type = 'client backend'"
            " AND application_name <> %s",
            [DB_NAME, PROBE],
        )[0][0]

    def close(self) -> None:
        try:
            pid_file = self.data / "postmaster.pid"
            if pid_file.exists():
                try:
                    self._run(
                        "pg_ctl",
                        "-D",
                        self.data,
                        "-w",
                        "-t",
                        "30",
                        "-m",
                        "immediate",
                        "stop",
                        timeout=60,
                    )
                except (subprocess.SubprocessError, OSError):
                    try:
                        os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
                    except (OSError, ValueError):
                        pass
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _app_env(pg: EmbeddedPostgres, **extra) -> dict:
    env = {
        k: v for k, v in os.environ.items() if k != "DATABASE_CONN_MAX_AGE"
    }  # the production default, 60 s
    env.update(
        DATABASE_URL=pg.url(),
        REDIS_URL=settings.REDIS_URL,
        DJANGO_DEBUG="1",
        DJANGO_SETTINGS_MODULE="rebalance_site.settings",
        **extra,
    )
    return env


def _manage(pg: EmbeddedPostgres, *args) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=_app_env(pg),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def world():
    pg = EmbeddedPostgres()
    atexit.register(pg.close)  # a second net, should pytest exit without running the teardown
    try:
        pg.start()
        assert wait_until(lambda: bool(pg.query("SELECT 1", db="postgres")), 30)
        pg.query(f'CREATE DATABASE "{DB_NAME}"', db="postgres")
        _manage(pg, "manage.py", "migrate", "--no-input", "-v0")
        seed = json.loads(
            _manage(pg, "tests/reliability/pg_restart_seed.py", *MODES).strip().splitlines()[-1]
        )
        yield pg, seed
    finally:
        pg.close()


def _new_connections_checked(pg_log: str) -> tuple[int, list[str]]:
    """Every application connection opened in this stretch of PostgreSQL's log must run SET ROLE
    to the app role and write the firm setting before its first statement on a table."""
    opened, statements = set(), {}
    for line in pg_log.splitlines():
        m = PG_LINE.match(line)
        if not m:
            continue
        pid, app, kind, text = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        if kind == "connection received":
            opened.add(pid)
        elif app != PROBE:
            statements.setdefault(pid, []).append(text)
    role = f'SET ROLE "{settings.DATABASE_APP_ROLE}"'
    checked, bad = 0, []
    for pid in sorted(opened & statements.keys()):
        seen = statements[pid]
        first_table = next((i for i, s in enumerate(seen) if TABLE_ACCESS.search(s)), len(seen))
        has_role = any(s.startswith(role) for s in seen[:first_table])
        has_scope = any("set_config('app.firm_id'" in s for s in seen[:first_table])
        checked += 1
        if not (has_role and has_scope):
            bad.append(f"pid {pid}: {seen[: first_table + 1]}")
    return checked, bad


# --- 1. web ------------------------------------------------------------------------------------


@dataclass
class Hit:
    path: str
    t0: float
    t1: float
    status: int | str
    problem: str | None
    log_end: int  # size of the server's log when the answer arrived


class Site:
    def __init__(self, base: str, seed: dict, server_log: Path):
        self.base, self.seed, self.server_log = base, seed, server_log
        a, b = seed["a"], seed["b"]
        self.a_numbers = [acc["number"] for acc in a["accounts"]]
        self.b_markers = [b["name"], b["client"], *(acc["number"] for acc in b["accounts"])]
        self.pages = [
            ("/book/accounts/", 200, self.a_numbers),
            ("/drift/", 200, []),
            (f"/book/accounts/{a['accounts'][0]['id']}/", 200, self.a_numbers[:1]),
            (f"/book/accounts/{b['accounts'][0]['id']}/", 404, []),  # firm B's account: never found
        ]

    def login(self) -> requests.Session:
        s = requests.Session()
        page = s.get(self.base + "/accounts/login/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        r = s.post(
            self.base + "/accounts/login/",
            allow_redirects=False,
            timeout=30,
            data={
                "login": self.seed["a"]["email"],
                "password": self.seed["a"]["password"],
                "csrfmiddlewaretoken": token,
            },
        )
        assert r.status_code == 302, f"sign-in refused: {r.status_code} {r.text[:300]}"
        return s

    def hit(self, session: requests.Session, page) -> Hit:
        path, expected, must_show = page
        t0 = time.monotonic()
        try:
            r = session.get(self.base + path, allow_redirects=False, timeout=60)
            status, body = r.status_code, r.text
        except requests.RequestException as exc:
            status, body = type(exc).__name__, ""
        t1 = time.monotonic()
        return Hit(
            path,
            t0,
            t1,
            status,
            self._problem(status, expected, must_show, body),
            self.server_log.stat().st_size,
        )

    def _problem(self, status, expected, must_show, body) -> str | None:
        leaked = [m for m in self.b_markers if m in body]
        if leaked:
            return f"LEAK of firm B: {leaked}"
        if status != expected:
            return "session lost (redirect)" if status == 302 else f"status {status}"
        if expected == 200:
            missing = [m for m in [self.seed["a"]["name"], *must_show] if m not in body]
            if missing:
                return f"firm A data missing: {missing}"
        return None


class Stream:
    """CLIENT_THREADS threads requesting the pages round-robin with the signed-in session."""

    def __init__(self, site: Site, cookies):
        self.site, self.cookies, self.hits, self._stop = site, cookies, [], threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, args=(i,), daemon=True)
            for i in range(CLIENT_THREADS)
        ]

    def _loop(self, offset: int) -> None:
        session = requests.Session()
        session.cookies.update(self.cookies)
        i = offset
        while not self._stop.is_set():
            self.hits.append(self.site.hit(session, self.site.pages[i % len(self.site.pages)]))
            i += 1

    def __enter__(self):
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in self._threads:
            t.join(timeout=120)


def _cycle(
    pg: EmbeddedPostgres, site: Site, session: requests.Session, mode: str, when: str
) -> dict:
    cookies = session.cookies.get_dict()
    pg_offset, server_offset = pg.log_size(), site.server_log.stat().st_size
    if when == "stream":
        with Stream(site, cookies) as stream:
            time.sleep(BEFORE_S)
            connections = pg.app_connections()
            down, up = pg.restart(mode)
            time.sleep(AFTER_S)
    else:  # idle: nothing in flight; the persistent connections go stale under the workers
        for page in site.pages:
            assert site.hit(session, page).problem is None
        connections = pg.app_connections()
        down, up = pg.restart(mode)
        with Stream(site, cookies) as stream:
            time.sleep(AFTER_S)
    hits = list(stream.hits)
    fresh = site.login()  # a new sign-in once the server is back: session and last_login writes
    hits += [site.hit(fresh, page) for page in site.pages]
    hits += [
        site.hit(session, page) for page in site.pages
    ]  # the old cookie once more, sequentially

    during = [h for h in hits if h.t0 < up]
    after = [h for h in hits if h.t0 >= up]
    quiet_from = max([h.log_end for h in during], default=server_offset)
    with open(site.server_log, "rb") as f:
        f.seek(server_offset)
        server_log = f.read().decode("utf-8", "replace")
        f.seek(max(quiet_from, server_offset))
        server_after = f.read().decode("utf-8", "replace")
    checked, bad = _new_connections_checked(pg.log_from(pg_offset))
    failed_during = [h for h in during if h.problem]
    return {
        "mode": mode,
        "when": when,
        "outage_s": round(up - down, 2),
        "app_connections_cut": connections,
        "in_flight_at_stop": sum(1 for h in during if h.t0 <= down <= h.t1),
        "requests_during": len(during),
        "errors_during": len(failed_during),
        "errors_during_by_kind": _kinds(h.problem for h in failed_during),
        "server_log_during": _kinds(m.group(0) for m in SERVER_ERRORS.finditer(server_log)),
        "requests_after": len(after),
        "errors_after": [asdict(h) for h in after if h.problem],
        "server_log_errors_after": [m.group(0) for m in SERVER_ERRORS.finditer(server_after)],
        "new_connections_checked": checked,
        "new_connections_without_role_or_scope": bad,
        "leaks": sum(1 for h in hits if h.problem and h.problem.startswith("LEAK")),
    }


def _kinds(items) -> dict:
    out: dict = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


def test_web_recovers_from_postgres_restarts_mid_request(world):
    pg, seed = world
    server_log = pg.app_logs / "gunicorn.log"
    port = _free_port()
    with open(server_log, "ab") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "rebalance_site.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(GUNICORN_WORKERS),
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=_app_env(pg),
            stdout=log,
            stderr=log,
        )
    cycles = []
    try:
        site = Site(f"http://127.0.0.1:{port}", seed, server_log)
        assert wait_until(lambda: _answers(site.base), 60, 0.2), "gunicorn did not start"
        session = site.login()
        for page in site.pages * 3:  # warm both workers: each now holds a persistent connection
            hit = site.hit(session, page)
            assert hit.problem is None, hit
        for mode, when in WEB_CYCLES:
            cycles.append(_cycle(pg, site, session, mode, when))
        assert server.poll() is None, "gunicorn died"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        _keep(server_log, "postgres_restart_gunicorn.log")

    figures = {
        "cycles": cycles,
        "restarts": len(cycles),
        "requests_during": sum(c["requests_during"] for c in cycles),
        "errors_during": sum(c["errors_during"] for c in cycles),
        "in_flight_at_stop": sum(c["in_flight_at_stop"] for c in cycles),
        "requests_after": sum(c["requests_after"] for c in cycles),
        "errors_after": sum(
            len(c["errors_after"]) + len(c["server_log_errors_after"]) for c in cycles
        ),
        "new_connections_checked": sum(c["new_connections_checked"] for c in cycles),
        "leaks": sum(c["leaks"] for c in cycles),
    }
    _write("postgres_restart_web.json", figures)
    for c in cycles:
        label = f"{c['mode']}/{c['when']}"
        assert c["errors_after"] == [], (
            f"{label}: requests failed after PostgreSQL was back: {c['errors_after'][:5]}"
        )
        assert c["server_log_errors_after"] == [], (
            f"{label}: server errors after recovery: {c['server_log_errors_after']}"
        )
        assert c["new_connections_without_role_or_scope"] == [], label
        assert c["new_connections_checked"] > 0, (
            f"{label}: no new connection was opened after the restart"
        )
        assert c["requests_after"] >= 2 * len(site.pages), label
        assert c["app_connections_cut"] > 0, (
            f"{label}: no persistent connection was open at the restart"
        )
        if c["when"] == "stream":
            assert c["requests_during"] > 0, label
    assert figures["leaks"] == 0


def _answers(base: str) -> bool:
    try:
        return requests.get(base + "/accounts/login/", timeout=5).status_code == 200
    except requests.RequestException:
        return False


# --- 2. batch ----------------------------------------------------------------------------------


def _pool(worker: subprocess.Popen) -> set[int]:
    try:
        return {p.pid for p in psutil.Process(worker.pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return set()


def _task_lines(log: Path, task_id: str) -> list[str]:
    """The worker's INFO lines about one task (results are not stored:
    CELERY_TASK_IGNORE_RESULT)."""
    return [line for line in log.read_text(errors="replace").splitlines() if f"[{task_id}]" in line]


def _outcome(log: Path, task_id: str) -> str | None:
    for line in reversed(_task_lines(log, task_id)):
        if " succeeded in " in line:
            return "succeeded"
        if " raised unexpected" in line:
            return "failed"
        if " retry: " in line:
            return None  # retrying: not finished yet
    return None


@pytest.mark.worker
@pytest.mark.parametrize("mode", ["fast", pytest.param("immediate", marks=pytest.mark.heavy)])
def test_batch_recovers_from_a_postgres_restart_mid_custodian_call(world, mode):
    pg, seed = world
    firm_id, proposals = seed["batches"][mode]["firm_id"], seed["batches"][mode]["proposals"]
    kwargs = {"firm_id": firm_id, "trade_date": TRADE_DAY.isoformat()}
    queue = f"pgrestart-{os.getpid()}-{mode}"
    worker_log = pg.app_logs / f"worker-{mode}.log"
    with open(worker_log, "ab") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "rebalance_site",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "-Q",
                queue,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=_app_env(pg, TRADING_SIMULATED_LATENCY_S=str(CUSTODIAN_LATENCY_S)),
            stdout=log,
            stderr=log,
        )

    def one(sql: str):
        return pg.query(sql, [firm_id])[0][0]

    def done() -> bool:
        return one("SELECT count(*) FROM trading_batch WHERE firm_id = %s AND status = 'done'") == 1

    try:
        first = trade_batch_firm.apply_async(kwargs=kwargs, queue=queue).id
        assert wait_until(
            lambda: (
                one("SELECT count(*) FROM trading_simulatedcustodianorder WHERE firm_id = %s") > 0
            ),
            90,
        ), "the batch never reached the custodian"
        pool = _pool(worker)
        connections = pg.app_connections()
        pg_offset = pg.log_size()
        down, up = pg.restart(mode)
        sending_at_restart = one(
            "SELECT count(*) FROM trading_blockorder WHERE firm_id = %s AND status = 'sending'"
        )

        # The task the restart cut retries itself on a fresh connection (FirmTask); then, as the
        # minute due check would, the batch is sent again for as long as it is not done.
        assert wait_until(lambda: _outcome(worker_log, first) is not None, 90, 0.2), (
            "the task in flight never finished"
        )
        first_outcome = _outcome(worker_log, first)
        first_retries = sum(" retry: " in line for line in _task_lines(worker_log, first))
        resent = []
        while not done() and len(resent) < 5:
            task_id = trade_batch_firm.apply_async(kwargs=kwargs, queue=queue).id
            assert wait_until(lambda t=task_id: _outcome(worker_log, t) is not None, 120, 0.2), (
                "a re-sent batch task never finished"
            )
            resent.append(_outcome(worker_log, task_id))
        finished_at = time.monotonic()
        alive = worker.poll() is None and _pool(worker) == pool
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        _keep(worker_log, f"postgres_restart_worker_{mode}.log")

    at_custodian = pg.query(
        "SELECT client_order_id, attempts FROM trading_simulatedcustodianorder WHERE firm_id = %s",
        [firm_id],
    )
    blocks = {
        r[0]
        for r in pg.query(
            "SELECT client_order_id FROM trading_blockorder WHERE firm_id = %s", [firm_id]
        )
    }
    per_trade = pg.query(
        "SELECT proposal_id, trade_id, count(*) FROM trading_order "
        "WHERE firm_id = %s GROUP BY 1, 2",
        [firm_id],
    )
    ordered = {r[0] for r in per_trade}
    batch = pg.query("SELECT status, runs FROM trading_batch WHERE firm_id = %s", [firm_id])
    checked, bad = _new_connections_checked(pg.log_from(pg_offset))
    log_text = worker_log.read_text(errors="replace")
    figures = {
        "mode": mode,
        "outage_s": round(up - down, 2),
        "app_connections_cut": connections,
        "blocks_sending_at_restart": sending_at_restart,
        "task_in_flight": {
            "outcome": first_outcome,
            "retries": first_retries,
            "retry_reasons": [
                line.split(" retry: ", 1)[1][:160]
                for line in _task_lines(worker_log, first)
                if " retry: " in line
            ],
        },
        "resent_like_the_due_check": resent,
        "done_s_after_restart": round(finished_at - up, 1),
        "batch_status_runs": batch,
        "blocks": len(blocks),
        "custodian_orders": len(at_custodian),
        "custodian_attempts": sorted(a for _, a in at_custodian),
        "orders": sum(r[2] for r in per_trade),
        "max_orders_per_trade": max((r[2] for r in per_trade), default=0),
        "worker_same_processes": alive,
        "worker_task_failures": log_text.count("raised unexpected"),
        "new_connections_checked": checked,
        "new_connections_without_role_or_scope": bad,
    }
    _write(f"postgres_restart_batch_{mode}.json", figures)

    assert sending_at_restart > 0, (
        "the restart did not land between the custodian's receipt and our record"
    )
    assert batch and batch[0][0] == "done", figures
    assert first_outcome == "succeeded" and first_retries >= 1, (
        figures
    )  # retried itself, no manual action
    assert "failed" not in resent and figures["worker_task_failures"] == 0, figures
    assert alive, "the worker or its pool process was restarted"
    assert {cid for cid, _ in at_custodian} == blocks and all(a == 1 for _, a in at_custodian), (
        figures
    )
    assert per_trade and all(r[2] == 1 for r in per_trade), figures
    assert ordered == set(proposals), figures
    assert checked > 0 and bad == [], figures


def test_only_a_lost_connection_is_retried():
    """FirmTask retries the errors of a lost connection, not a statement's own failure."""
    from django.db import DatabaseError, InterfaceError, OperationalError

    from firms.tasks import connection_lost

    class DriverError(Exception):  # stands in for a driver error carrying a SQLSTATE
        def __init__(self, pgcode):
            super().__init__(pgcode)
            self.pgcode = pgcode

    def caused_by(exc, pgcode):
        exc.__cause__ = DriverError(pgcode)
        return exc

    assert connection_lost(InterfaceError("connection already closed"))
    assert connection_lost(
        caused_by(OperationalError("server closed the connection unexpectedly"), None)
    )
    assert connection_lost(
        caused_by(OperationalError("could not connect: Connection refused"), None)
    )
    for code in (
        "57P01",
        "57P02",
        "57P03",
        "08006",
        "08001",
    ):  # shutdown, crash, starting up, link lost
        assert connection_lost(caused_by(OperationalError(code), code)), code
    for code in (
        "40P01",
        "57014",
        "55P03",
        "53300",
    ):  # deadlock, cancelled, lock not available, too many
        assert not connection_lost(caused_by(OperationalError(code), code)), code
    assert not connection_lost(DatabaseError("x")) and not connection_lost(ValueError("x"))


def _write(name: str, figures: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_text(json.dumps(figures, indent=2, default=str))


def _keep(log: Path, name: str) -> None:
    if log.exists():
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, ARTIFACTS / name)
