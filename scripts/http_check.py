"""Exit 0 when an HTTP GET of the URL answers 200, 1 otherwise: the containers' health check
(python:3.11-slim has no curl). Sent as the TLS proxy in front would send it (X-Forwarded-Proto,
the first of DJANGO_ALLOWED_HOSTS as Host), so production settings answer instead of
redirecting to https. Usage: python scripts/http_check.py http://127.0.0.1:8000/healthz"""

import os
import sys
import urllib.error
import urllib.request


def main(argv: list[str]) -> int:
    host = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
    request = urllib.request.Request(
        argv[1],
        headers={
            "X-Forwarded-Proto": "https",
            "Host": host if host not in ("", "*") else "localhost",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"{argv[1]}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
