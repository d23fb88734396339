"""Write the HTML of the load test's pages to a directory, to compare two versions of the code
byte for byte on the same load database (e.g. this tree and a `git worktree` of an earlier
commit):

  DJANGO_DEBUG=0 DJANGO_SECRET_KEY=x SECURE_SSL_REDIRECT=0 DATABASE_URL=…/rebalance_load \
  REDIS_URL=… \
    .venv/bin/python loadtest/dump_pages.py OUTDIR [--per-user 15]

Per firm: the drift list (4 variants) and the account list (3) for every advisor, up to
--per-user account and proposal pages each, and every client's portal and proposals. The CSRF
token (random per response) is replaced by a placeholder."""

import argparse
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rebalance_site.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"')


def client_for(email: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(
        get_user_model().objects.get(email=email),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    return client


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--per-user", type=int, default=15)
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n = 0

    def save(client, path, who):
        nonlocal n
        body = client.get(path).content.decode()
        name = f"{who}{path}".replace("/", "_").replace("?", "_").replace("&", "_")
        (out / f"{name}.html").write_text(CSRF.sub(r'\1CSRF"', body))
        n += 1
        return body

    for firm in ("harbor", "summit", "cedar"):
        for i in (1, 2, 3):
            who = f"advisor{i}@{firm}"
            c = client_for(f"advisor{i}@{firm}.demo")
            drift = save(c, "/drift/", who)
            for q in ("?all=1", "?page=2", "?segment=retail&all=1"):
                save(c, "/drift/" + q, who)
            for q in ("", "?page=2", "?segment=retail"):
                save(c, "/book/accounts/" + q, who)
            for account in sorted(set(re.findall(r'href="(/drift/accounts/\d+/)"', drift)))[
                : args.per_user
            ]:
                page = save(c, account, who)
                for proposal in sorted(set(re.findall(r'href="(/drift/proposals/\d+/)"', page)))[
                    :2
                ]:
                    save(c, proposal, who)
        for i in range(1, 6):
            who = f"client{i}@{firm}"
            c = client_for(f"client{i}@{firm}.demo")
            portal = save(c, "/portal/", who)
            for proposal in sorted(set(re.findall(r'href="(/portal/proposals/\d+/)"', portal))):
                save(c, proposal, who)
    print(f"{n} pages → {out}")


if __name__ == "__main__":
    main()
