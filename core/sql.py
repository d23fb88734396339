"""Raw SQL helpers shared by every app."""

from django.db import connection


def execute_script(cursor, sql: str, params=None) -> None:
    """Run several `;`-separated statements in one round trip.

    The application's connection binds parameters on the server, where one statement carries
    one command; a script's parameters are therefore merged into its text on the client and the
    whole text is sent with the simple query protocol."""
    cursor.execute(connection.ops.compose_sql(sql, params) if params else sql)
