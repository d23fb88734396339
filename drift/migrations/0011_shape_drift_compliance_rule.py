"""The compliance rules move here from compliance (the proposal builder reads their parameters
before compliance checks them): state only, the table (and its row-level security policy) stays
as it is."""

import django.db.models.deletion
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    """Existing permissions of the model follow it (a fresh database has none yet)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="compliance", model="compliancerule").update(
        app_label="drift"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("drift", "0010_handoff_tolerance_widening"),
        ("firms", "0003_audit_verbose_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ComplianceRule",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("wash_sale", "Wash sale"), ("concentration", "Concentration"), ("liquidity", "Liquidity (cash kept)"), ("suitability", "Suitability")], max_length=16)),
                        ("severity", models.CharField(choices=[("block", "Block"), ("flag", "Flag for a compliance officer")], max_length=8)),
                        ("params", models.JSONField(blank=True, default=dict)),
                        ("enabled", models.BooleanField(default=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("firm", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="firms.firm")),
                    ],
                    options={
                        "db_table": "compliance_compliancerule",
                        "ordering": ["kind"],
                        "constraints": [
                            models.UniqueConstraint(fields=("firm", "kind"), name="compliance_rule_kind_unique"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follows, migrations.RunPython.noop),
    ]
