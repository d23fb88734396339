"""The substantially identical pairs and the substitutes move here from compliance: state only,
the tables (and their row-level security policies) stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


def content_types_follow(apps, schema_editor):
    """Existing permissions of the two models follow them (a fresh database has none yet)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(
        app_label="compliance", model__in=["substantiallyidenticalpair", "substitute"]
    ).update(app_label="portfolios")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("firms", "0003_audit_verbose_name"),
        ("portfolios", "0004_transaction_imported_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SubstantiallyIdenticalPair",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("note", models.CharField(blank=True, max_length=200)),
                        ("firm", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="firms.firm")),
                        ("security_a", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="portfolios.security")),
                        ("security_b", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="portfolios.security")),
                    ],
                    options={
                        "db_table": "compliance_substantiallyidenticalpair",
                        "constraints": [
                            models.UniqueConstraint(fields=("firm", "security_a", "security_b"), name="identical_pair_unique"),
                            models.CheckConstraint(condition=models.Q(("security_a__lt", models.F("security_b"))), name="identical_pair_ordered"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Substitute",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("rank", models.PositiveSmallIntegerField(default=1)),
                        ("firm", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="firms.firm")),
                        ("security", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="portfolios.security")),
                        ("substitute", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="portfolios.security")),
                    ],
                    options={
                        "db_table": "compliance_substitute",
                        "ordering": ["security", "rank"],
                        "constraints": [
                            models.UniqueConstraint(fields=("firm", "security", "substitute"), name="substitute_unique"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, migrations.RunPython.noop),
    ]
