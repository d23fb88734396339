"""Shared helpers of the ops tests: an unused local port, a log capture in the configured
format, and addresses of the test database for the commands run as separate processes."""

import io
import logging
import socket
from contextlib import contextmanager
from urllib.parse import quote

from django.db import connections

from rebalance_site.log_context import LogContextFilter
from rebalance_site.log_filters import PortalTokenFilter
from rebalance_site.log_format import JsonLineFormatter


def unused_port() -> int:
    """A local port nothing listens on (bound once by the OS, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def json_log_lines(logger_name: str = ""):
    """The lines logged in the block, formatted as production does (LOG_FORMAT=json)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PortalTokenFilter())
    handler.addFilter(LogContextFilter())
    handler.setFormatter(JsonLineFormatter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    lines: list[str] = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        lines.extend(line for line in stream.getvalue().splitlines() if line)


def owner_database_url(name: str | None = None) -> str:
    """DATABASE_URL of the test database (or of `name` on the same server), as the owner."""
    db = connections["owner"].settings_dict
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}{port}/{name or db['NAME']}"
