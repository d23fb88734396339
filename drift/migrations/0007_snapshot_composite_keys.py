"""Drift snapshots: one composite foreign key instead of three single ones, and a partial
index for the drifted-accounts list instead of one over every snapshot's drift.

At 100,000 accounts a scan writes 100,000 snapshots; each foreign key costs a check per row
at commit and each index an insertion per row. Measured on the bench data (PostgreSQL 15):
the firm key's check 0.65 s, the index over all drifts 1.2 s, the account_id index 0.25 s,
the rule_id index 0.4 s.
(firm_id, account_id) -> account (firm_id, id) checks the account *and* that it is the
snapshot's firm's (stronger than before: a snapshot cannot point at another firm's account);
the firm's existence follows from the account's own key. It stays DEFERRABLE INITIALLY
DEFERRED like Django's.

The rule is a recorded fact (which band applied that day), and a key check on it cost 0.75 s
per 100,000 snapshots. It is kept without one or an index, and consistent from the other side: every
writer of snapshots reads the rules under the firm's proposal lock (pg_advisory_xact_lock
7300001, firm), and deleting a rule — through the ORM or in raw SQL — takes that lock and
clears the rule from the firm's snapshots first (trigger below), so no snapshot names a
deleted rule.
The per-class detail becomes `json` (drift/models.py, StoredJSONField): 0.75 s less per 100,000 inserts.
(Writing it rewrites the table once.)"""

import django.db.models.deletion
import drift.models
from django.db import migrations, models


# core.locks.PROPOSAL_BUILD; two int keys as lock_firm_proposals passes them.
RULE_RELEASE_FUNCTION = """
CREATE FUNCTION drift_rule_release_snapshots() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7300001, OLD.firm_id::integer);
    UPDATE drift_driftsnapshot SET rule_id = NULL WHERE firm_id = OLD.firm_id AND rule_id = OLD.id;
    RETURN OLD;
END $$"""


class Migration(migrations.Migration):

    dependencies = [
        ('drift', '0006_firm_index_redundant'),
        ('firms', '0003_audit_verbose_name'),
        ('portfolios', '0003_account_firm_key'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='driftsnapshot',
            name='drift_drift_firm_id_4a8886_idx',
        ),
        migrations.AlterField(
            model_name='driftsnapshot',
            name='account',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='drift_snapshots', to='portfolios.account'),
        ),
        migrations.AlterField(
            model_name='driftsnapshot',
            name='firm',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='firms.firm'),
        ),
        migrations.AlterField(
            model_name='driftsnapshot',
            name='rule',
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='drift.driftrule'),
        ),
        migrations.AlterField(
            model_name='driftsnapshot',
            name='detail',
            field=drift.models.StoredJSONField(default=dict, help_text='Per asset class: [current, target, band] in percent.'),
        ),
        migrations.AddIndex(
            model_name='driftsnapshot',
            index=models.Index(condition=models.Q(('breached', True)), fields=['firm', 'as_of', 'portfolio_drift'], name='snapshot_breach_by_drift'),
        ),
        migrations.RunSQL(
            sql=[
                "ALTER TABLE drift_driftsnapshot ADD CONSTRAINT snapshot_account_of_firm FOREIGN KEY (firm_id, account_id) "
                "REFERENCES portfolios_account (firm_id, id) DEFERRABLE INITIALLY DEFERRED",
                RULE_RELEASE_FUNCTION,
                "CREATE TRIGGER drift_rule_release_snapshots BEFORE DELETE ON drift_driftrule "
                "FOR EACH ROW EXECUTE FUNCTION drift_rule_release_snapshots()",
            ],
            reverse_sql=[
                "DROP TRIGGER drift_rule_release_snapshots ON drift_driftrule",
                "DROP FUNCTION drift_rule_release_snapshots()",
                "ALTER TABLE drift_driftsnapshot DROP CONSTRAINT snapshot_account_of_firm",
            ],
        ),
    ]
