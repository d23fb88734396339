"""What every benchmark does first: Django set up for a standalone script (its own database
from DATABASE_URL, created if missing; no query log growing in memory), the schema migrated,
and a fresh firm.

Import it before anything from the project: `from harness import bench_firm, peak_rss_mb` (and
`copy_rows`, `ids` for COPYing generated rows)."""

import os
import resource
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rebalance_site.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only")

if os.environ.get(
    "DATABASE_URL"
):  # run directly (not through `make bench`): create the database if missing
    sys.path.insert(0, str(ROOT / "scripts"))
    from with_services import ensure_database  # noqa: E402

    ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

settings.DEBUG = False


def bench_firm(label: str):
    """Migrate, then a new firm with a unique slug (runs never share data)."""
    from firms.services.members import firm_create

    call_command("migrate", verbosity=0)
    tag = uuid.uuid4().hex[:8]
    return firm_create(name=f"Bench {label} {tag}", slug=f"bench-{label}-{tag}")


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def copy_rows(table: str, frame) -> None:
    """COPY a DataFrame's rows into `table` (its columns named by the frame's)."""
    import io

    from django.db import connection

    buf = io.StringIO()
    frame.to_csv(buf, index=False, header=False, na_rep="")
    buf.seek(0)
    with connection.cursor() as cur:
        with cur.copy(
            f"COPY \"{table}\" ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv, NULL '')"
        ) as copy:
            while chunk := buf.read(1 << 20):
                copy.write(chunk)


def ids(table: str, firm_id: int, order: str = "id"):
    """The firm's row ids of `table` in `order`, as an int64 array."""
    import numpy as np
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f'SELECT id FROM "{table}" WHERE firm_id = %s ORDER BY {order}', [firm_id])
        return np.array([r[0] for r in cur.fetchall()], dtype=np.int64)
