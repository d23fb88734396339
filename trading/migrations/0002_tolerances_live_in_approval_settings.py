"""The consent-freshness tolerances had two copies: approvals.ApprovalSettings (edited on the
approvals settings page, never read) and trading.TradingSettings (admin only, read by the
batch, other defaults). One stays: the approvals one. Values move over first:

- a firm with a trading row and no approvals row gets an approvals row with the values its
  batch actually applied;
- a firm whose approvals row still holds that page's defaults (1% / 5%: the row is created by
  merely opening the rules page) takes the values its batch applied;
- a firm that changed the tolerances on the page keeps its page values (what it asked for).

Row-level security is forced on both tables; the copy runs as the owner with it lifted for
these statements (apply_grants_and_policies forces it again after migrate)."""
from django.db import migrations

TABLES = ("approvals_approvalsettings", "trading_tradingsettings")
COPY = """
INSERT INTO approvals_approvalsettings (firm_id, expiry_policy, committee_quorum, exception_first, exception_max_value,
                                        exception_max_turnover_pct, reprice_tolerance_pct, reconsent_tolerance_pct)
SELECT t.firm_id, 'decline', 2, false, 250000.00, 10, t.reprice_tolerance_pct, t.reconsent_tolerance_pct
FROM trading_tradingsettings t ON CONFLICT (firm_id) DO NOTHING;
UPDATE approvals_approvalsettings a SET reprice_tolerance_pct = t.reprice_tolerance_pct,
       reconsent_tolerance_pct = t.reconsent_tolerance_pct
FROM trading_tradingsettings t
WHERE a.firm_id = t.firm_id AND a.reprice_tolerance_pct = 1 AND a.reconsent_tolerance_pct = 5;
"""
SQL = ([f'ALTER TABLE "{t}" NO FORCE ROW LEVEL SECURITY' for t in TABLES] + [COPY]
       + [f'ALTER TABLE "{t}" FORCE ROW LEVEL SECURITY' for t in TABLES])


class Migration(migrations.Migration):

    dependencies = [
        ("approvals", "0001_initial"),
        ("trading", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(SQL, reverse_sql=migrations.RunSQL.noop),
        migrations.RemoveField(model_name="tradingsettings", name="reprice_tolerance_pct"),
        migrations.RemoveField(model_name="tradingsettings", name="reconsent_tolerance_pct"),
    ]
