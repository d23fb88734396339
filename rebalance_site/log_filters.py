"""Logging filters. Portal link tokens stay out of the logs: the link's first GET exchanges the
token for a session and redirects to a token-free URL, but that one request line (the
runserver/proxy access log) and any 404/410 warning from django.request would name it.
This filter rewrites /portal/l/<token>/ to /portal/l/[redacted]/ in every record it sees."""

import logging
import re

_TOKEN = re.compile(r"(/portal/l/)[^/\s\"'?#]+")
REDACTED = r"\1[redacted]"


def redact(text: str) -> str:
    return _TOKEN.sub(REDACTED, text)


class PortalTokenFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if "/portal/l/" in record.getMessage():
            record.msg, record.args = redact(record.getMessage()), None
        # django.request also attaches the HttpRequest; a handler that prints it must not see
        # the token.
        if "/portal/l/" in getattr(getattr(record, "request", None), "path", ""):
            record.request = None
        return True


class QuietForbiddenFilter(logging.Filter):
    """A refused request (403: a role that may not, a CSRF failure) is an expected answer, not
    a fault: django.request logs it as one warning line, without the traceback it attaches."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True
