"""The compliance rules now belong to drift (its 0011_shape_drift_compliance_rule): state only,
the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_handoff_reference_data_to_portfolios"),
        ("drift", "0011_shape_drift_compliance_rule"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ComplianceRule")],
            database_operations=[],
        ),
    ]
