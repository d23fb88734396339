"""The substantially identical pairs and the substitutes now belong to portfolios (its
0005_handoff_reference_data): state only, the tables stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_initial"),
        ("portfolios", "0005_handoff_reference_data"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SubstantiallyIdenticalPair"),
                migrations.DeleteModel(name="Substitute"),
            ],
            database_operations=[],
        ),
    ]
