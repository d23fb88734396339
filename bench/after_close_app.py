"""The product's Celery app as the after-close bench's workers run it: every task on the
bench's own queue (BENCH_QUEUE), so nothing else in the broker reaches the bench's workers, and
the outbox's email sends parked on a queue no worker reads (the bench times the run up to each
message rendered in the outbox, not sent). Everything else is the product's configuration.

Each worker also writes its peak resident memory after every task to
`<tmp>/<BENCH_QUEUE>-<pid>.hwm` (VmHWM, the process's own high-water mark: ru_maxrss would also
count the bench process's memory at the fork, which holds the generated book) and names on
stderr the task that raised it."""

import os
import sys
import tempfile
from pathlib import Path

from celery.signals import task_postrun

from rebalance_site.celery import app

QUEUE = os.environ["BENCH_QUEUE"]
PARKED = f"{QUEUE}-outbox"
app.conf.task_default_queue = QUEUE
app.conf.task_routes = {"notifications.tasks.outbound_message_send": {"queue": PARKED}}
HWM_DIR = Path(tempfile.gettempdir())
_peak = [0]


def hwm_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


@task_postrun.connect
def _record_peak(sender=None, **_kwargs):
    peak = hwm_mb()
    if peak > _peak[0]:
        (HWM_DIR / f"{QUEUE}-{os.getpid()}.hwm").write_text(str(peak))
        if peak > _peak[0] + 50:
            print(
                f"after_close: pid {os.getpid()} peak {peak} MB after {sender.name}",
                file=sys.stderr,
            )
        _peak[0] = peak


__all__ = ["app"]
