"""Messages carry a reference to the secret left out of their body (issue 17), and every
portal link already stored in an outbox body is replaced by the placeholder: stored bodies
must never hold a live link. Firm by firm, so row-level security lets the update through."""
from django.db import migrations, models

PATTERN = r"/portal/l/[A-Za-z0-9_-]{20,}/"
PLACEHOLDER = "/portal/l/link-inserted-when-sent/"
SCRUB = f"""
DO $$ DECLARE f bigint; BEGIN
  FOR f IN SELECT id FROM firms_firm LOOP
    PERFORM set_config('app.firm_id', f::text, true);
    UPDATE notifications_outboundmessage
       SET body_text = regexp_replace(body_text, '{PATTERN}', '{PLACEHOLDER}', 'g'),
           body_html = regexp_replace(body_html, '{PATTERN}', '{PLACEHOLDER}', 'g')
     WHERE firm_id = f AND (body_text ~ '{PATTERN}' OR body_html ~ '{PATTERN}');
  END LOOP;
  PERFORM set_config('app.firm_id', '', true);
END $$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='outboundmessage',
            name='secret_ref',
            field=models.CharField(blank=True, default='', max_length=120),
        ),
        migrations.RunSQL(SCRUB, migrations.RunSQL.noop),
    ]
