"""Tolerance widenings move here from reporting (the scan is the first stage that reads them):
state only, the table (and its row-level security policy) stays as it is."""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    """Existing permissions of the model follow it (a fresh database has none yet)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="reporting", model="tolerancewidening").update(
        app_label="drift"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("drift", "0009_snapshot_dollar_breach"),
        ("firms", "0003_audit_verbose_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ToleranceWidening",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("factor", models.DecimalField(decimal_places=2, max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal("1"))])),
                        ("start", models.DateField()),
                        ("end", models.DateField()),
                        ("reason", models.CharField(max_length=300)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="firms.membership")),
                        ("firm", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="firms.firm")),
                    ],
                    options={
                        "db_table": "reporting_tolerancewidening",
                        "ordering": ["-start"],
                        "indexes": [models.Index(fields=["firm", "start", "end"], name="reporting_t_firm_id_5f9f7e_idx")],
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("factor__gte", 1), ("factor__lte", 5)), name="widening_factor_range"),
                            models.CheckConstraint(condition=models.Q(("end__gte", models.F("start"))), name="widening_end_after_start"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follows, migrations.RunPython.noop),
    ]
