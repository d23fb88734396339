"""The two log formats (settings.LOG_FORMAT): JSON lines for production (one object per line,
what a log shipper parses without rules) and plain text for development (`make demo`).

A formatter of our own, not python-json-logger: the fields are fixed (time, level, logger,
message and the four context ids of rebalance_site.log_context), so it is twenty lines of the
standard library, and nothing a record happens to carry (the HttpRequest django.request
attaches, a portal link in it) reaches a line unless it is named here."""

import json
import logging
from datetime import UTC, datetime

from .log_context import CONTEXT_FIELDS


class JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        created = datetime.fromtimestamp(record.created, UTC)
        entry = {
            "time": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in CONTEXT_FIELDS:
            entry[field] = getattr(record, field, None)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """`LEVEL logger: message [firm=… req=… task=…]`, the context only where there is one."""

    def format(self, record: logging.LogRecord) -> str:
        text = f"{record.levelname} {record.name}: {super().format(record)}"
        context = " ".join(
            f"{field.removesuffix('_id')}={value}"
            for field in CONTEXT_FIELDS
            if (value := getattr(record, field, None)) is not None
        )
        return f"{text} [{context}]" if context else text
