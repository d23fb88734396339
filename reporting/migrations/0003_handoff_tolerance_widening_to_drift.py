"""Tolerance widenings now belong to drift (its 0010_handoff_tolerance_widening): state only,
the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_monthly_report_immutable"),
        ("drift", "0010_handoff_tolerance_widening"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ToleranceWidening")],
            database_operations=[],
        ),
    ]
