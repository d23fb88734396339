from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("portfolios", "0003_account_firm_key")]

    operations = [
        migrations.AddField(model_name="transaction", name="imported_at", field=models.DateTimeField(blank=True, null=True)),
    ]
