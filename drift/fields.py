"""Model fields of the drift app."""

from django.db import models


class StoredJSONField(models.JSONField):
    """JSON kept as PostgreSQL `json` (the text as written, validated) instead of `jsonb`.

    For documents written once in bulk and only ever read whole — a snapshot's per-class
    detail — `jsonb`'s binary form buys nothing: measured on 100,000 snapshots it cost 0.75 s
    more to insert and took a third more space. `json` also keeps the keys in the order written.
    Not for fields queried inside with containment (`@>`) or compared for equality."""

    def db_type(self, connection):
        return "json"

    def from_db_value(self, value, expression, connection):
        # psycopg2 decodes the `json` type itself (Django only turns that off for jsonb).
        if value is not None and not isinstance(value, (str, bytes, bytearray)):
            return value
        return super().from_db_value(value, expression, connection)
