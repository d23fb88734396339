"""Issue 17 item 6: seal each firm's existing (plain SHA-256, version 1) audit chain with a
signed head, published like the daily ones. Verification accepts version-1 entries only up to
a firm's first published head: this one marks the cut-over seq."""
from django.db import migrations


def seal(apps, schema_editor):
    from firms.services.audit import audit_head_publish
    from firms.services.tenancy import firm_scope

    with schema_editor.connection.cursor() as cur:
        cur.execute("SELECT DISTINCT firm_id FROM firms_auditentry WHERE version = 1 ORDER BY firm_id")
        firm_ids = [row[0] for row in cur.fetchall()]
    for firm_id in firm_ids:
        with firm_scope(firm_id):
            audit_head_publish(firm_id=firm_id)


class Migration(migrations.Migration):
    dependencies = [("firms", "0004_audit_heads_hmac_api_tokens")]

    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]
