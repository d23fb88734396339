"""The high-volume drift tables lose their index on firm_id alone: their constraints and
indexes lead with the firm already, and the one-key index slowed the scan's bulk writes.
Only the index is dropped (the foreign keys stay as they are, nothing is re-validated)."""
import django.db.models.deletion
from django.db import migrations, models

TABLES = {
    "driftsnapshot": "drift_driftsnapshot_firm_id_db579c5a",
    "harvestopportunity": "drift_harvestopportunity_firm_id_c5e84783",
    "proposal": "drift_proposal_firm_id_b04c2a7e",
    "proposaltrade": "drift_proposaltrade_firm_id_5ec5faae",
    "substitution": "drift_substitution_firm_id_4753b075",
}


class Migration(migrations.Migration):

    dependencies = [
        ('drift', '0005_snapshot_suspect_price'),
        ('firms', '0003_audit_verbose_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name=model, name='firm', field=models.ForeignKey(
                    db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='firms.firm'))
                for model in TABLES
            ],
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{index}"',
                                  reverse_sql=f'CREATE INDEX IF NOT EXISTS "{index}" ON "drift_{model}" ("firm_id")')
                for model, index in TABLES.items()
            ],
        ),
    ]
