"""Sign every load-test user in once, before the load: allauth's per-IP login rate limit (the
product's brute-force guard) refuses most of 200 logins from one loopback address in 10 s, so
the Locust users start from these session cookies instead. Writes {email: sessionid}."""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rebalance_site.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

FIRMS = ("harbor", "summit", "cedar")
EMAILS = [f"advisor{n}@{f}.demo" for f in FIRMS for n in (1, 2, 3)] + [
    f"client{n}@{f}.demo" for f in FIRMS for n in range(1, 6)
]

if __name__ == "__main__":
    out, sessions = Path(sys.argv[1]), {}
    for email in EMAILS:
        user = get_user_model().objects.get(email=email)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        sessions[email] = client.cookies[settings.SESSION_COOKIE_NAME].value
    out.write_text(json.dumps(sessions))
    print(f"{len(sessions)} sessions → {out}")
