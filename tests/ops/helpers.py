"""Addresses of the test database for the commands run as separate processes."""

from urllib.parse import quote

from django.db import connections


def owner_database_url(name: str | None = None) -> str:
    """DATABASE_URL of the test database (or of `name` on the same server), as the owner."""
    db = connections["owner"].settings_dict
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}{port}/{name or db['NAME']}"
