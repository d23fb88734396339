import django.contrib.postgres.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("portfolios", "0006_model_retired")]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="changed_account_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(), blank=True, default=list, size=None
            ),
        ),
        migrations.AddField(
            model_name="importrun",
            name="changes_firm_wide",
            field=models.BooleanField(default=False),
        ),
    ]
