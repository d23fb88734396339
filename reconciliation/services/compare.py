"""The comparison itself, in one statement: the custodian's file (a temp table) against the
book's positions of the custodian's accounts, each difference with its size at the day's
close. Set-based: no query per account."""

import pandas as pd
from django.db import connection

from core.pgcopy import copy_frame_to_temp

FILE_TABLE = "tmp_recon_file"
FOUND_TABLE = "tmp_recon_found"

# The book "after that day's fills" is the book as it stands: the service refuses a day
# before a fill the book already holds (see reconcile.py). Positions of zero are no holding.
# A price is the security's last close on or before the day; cash is worth 1.
_COMPARE_SQL = f"""
CREATE TEMP TABLE {FOUND_TABLE} AS
WITH accts AS (
  SELECT a.id, a.number FROM portfolios_account a
  WHERE a.firm_id = %(f)s AND a.custodian_id = %(c)s
), book AS (
  SELECT a.id AS account_id, a.number, p.security_id, p.quantity
  FROM accts a JOIN portfolios_position p ON p.firm_id = %(f)s AND p.account_id = a.id
  WHERE p.quantity <> 0
), file AS (
  SELECT t.line, t.account_number, t.symbol, t.quantity, a.id AS account_id,
         s.id AS security_id
  FROM {FILE_TABLE} t
  LEFT JOIN accts a ON a.number = t.account_number
  LEFT JOIN portfolios_security s ON s.firm_id = %(f)s AND s.symbol = t.symbol
), seen AS (
  SELECT DISTINCT account_id FROM file WHERE account_id IS NOT NULL
), pairs AS (
  SELECT f.line, COALESCE(f.account_id, b.account_id) AS account_id,
         COALESCE(f.account_number, b.number) AS account_number,
         COALESCE(f.security_id, b.security_id) AS security_id, f.symbol AS file_symbol,
         COALESCE(b.quantity, 0) AS book_quantity, COALESCE(f.quantity, 0) AS custodian_quantity,
         (f.line IS NOT NULL AND f.account_id IS NULL) AS no_account,
         (f.line IS NOT NULL AND f.account_id IS NOT NULL AND f.security_id IS NULL) AS no_security,
         (f.line IS NULL AND NOT EXISTS (SELECT 1 FROM seen WHERE seen.account_id = b.account_id))
           AS not_in_file
  FROM file f FULL JOIN book b ON b.account_id = f.account_id AND b.security_id = f.security_id
)
SELECT pr.line, pr.account_id, pr.account_number, pr.security_id,
  COALESCE(pr.file_symbol, s.symbol, '') AS symbol,
  CASE WHEN pr.no_account THEN 'missing_in_book'
       WHEN pr.no_security THEN 'unknown_security'
       WHEN pr.not_in_file THEN 'missing_in_file'
       WHEN s.asset_class = 'cash' THEN 'cash'
       ELSE 'quantity' END AS kind,
  pr.book_quantity, pr.custodian_quantity,
  pr.custodian_quantity - pr.book_quantity AS quantity_difference,
  px.price,
  round((pr.custodian_quantity - pr.book_quantity) * px.price, 2) AS market_value
FROM pairs pr
LEFT JOIN portfolios_security s ON s.id = pr.security_id
LEFT JOIN LATERAL (
  SELECT CASE WHEN s.security_type = 'cash' OR s.asset_class = 'cash' THEN 1::numeric
              ELSE (SELECT p.close FROM portfolios_price p
                    WHERE p.firm_id = %(f)s AND p.security_id = s.id AND p.date <= %(d)s
                    ORDER BY p.date DESC LIMIT 1) END AS price
) px ON s.id IS NOT NULL
WHERE pr.no_account OR pr.no_security OR pr.custodian_quantity <> pr.book_quantity
"""


def differences_find(*, firm_id: int, custodian_id: int, as_of, rows: pd.DataFrame) -> None:
    """Fill the temp table FOUND_TABLE with the differences (line, account_id, account_number,
    security_id, symbol, kind, book_quantity, custodian_quantity, quantity_difference, price,
    market_value). The caller drops it (differences_drop) in the same transaction."""
    copy_frame_to_temp(
        FILE_TABLE,
        {"line": "integer", "account_number": "text", "symbol": "text", "quantity": "numeric"},
        rows,
    )
    with connection.cursor() as cur:
        cur.execute(f"CREATE INDEX ON {FILE_TABLE} (account_number)")
        # A utility statement (CREATE … AS) takes no bound parameters: merged on the client.
        params = {"f": firm_id, "c": custodian_id, "d": as_of}
        cur.execute(connection.ops.compose_sql(_COMPARE_SQL, params))


def differences_drop() -> None:
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {FILE_TABLE}; DROP TABLE IF EXISTS {FOUND_TABLE}")
