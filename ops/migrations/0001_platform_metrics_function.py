"""The one platform-wide read of /metrics, as a function owned by the schema owner.

Why a function and not the owner's connection (firms.services.db_security.owner_role): the
metrics span every firm, and every firm-owned table has FORCE ROW LEVEL SECURITY, so the app's
login sees one firm at a time. Like app_firm_ids() (firms migration 0004), this SECURITY
DEFINER function runs as the owner and returns only aggregates keyed by firm id: no names, no
rows. The web process then needs no owner connection (nor the owner's password) to serve a
scrape, and it is one statement whatever the number of firms. An attacker with SQL on the app's
connection learns nothing here they could not already count by setting app.firm_id
(docs/RELIABILITY.md, the threat table).

The statuses are parameters (the Python choices stay the one list of them); `p_now` is the
time the approval deadlines are bucketed against. Each row: (series, firm_id, label, value).
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION app_platform_metrics(
    p_now timestamptz, p_open_proposal_statuses text[], p_pending_approval text,
    p_outbox_statuses text[], p_outbox_pending text, p_scan_done text
) RETURNS TABLE(series text, firm_id bigint, label text, value double precision)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
    SELECT * FROM (
        SELECT DISTINCT ON (r.firm_id) 'scan_last_finished'::text, r.firm_id, '',
               extract(epoch FROM r.finished_at)::double precision
          FROM drift_scanrun r WHERE r.status = p_scan_done AND r.finished_at IS NOT NULL
         ORDER BY r.firm_id, r.finished_at DESC
    ) last_finished
    UNION ALL
    SELECT * FROM (
        SELECT DISTINCT ON (r.firm_id) 'scan_last_duration'::text, r.firm_id, '',
               extract(epoch FROM r.finished_at - r.started_at)::double precision
          FROM drift_scanrun r WHERE r.status = p_scan_done AND r.finished_at IS NOT NULL
         ORDER BY r.firm_id, r.finished_at DESC
    ) last_duration
    UNION ALL
    SELECT 'proposals', p.firm_id, p.status, count(*)
      FROM drift_proposal p WHERE p.status = ANY(p_open_proposal_statuses)
     GROUP BY p.firm_id, p.status
    UNION ALL
    SELECT 'approvals_pending', a.firm_id,
           CASE WHEN a.deadline <= p_now THEN 'overdue'
                WHEN a.deadline <= p_now + interval '24 hours' THEN 'under_24h'
                WHEN a.deadline <= p_now + interval '72 hours' THEN 'under_72h'
                ELSE 'later' END AS bucket,
           count(*)
      FROM approvals_approval a WHERE a.status = p_pending_approval
     GROUP BY a.firm_id, bucket
    UNION ALL
    SELECT 'trade_batches', b.firm_id, b.status, count(*)
      FROM trading_batch b GROUP BY b.firm_id, b.status
    UNION ALL
    SELECT 'outbox', m.firm_id, m.status, count(*)
      FROM notifications_outboundmessage m WHERE m.status = ANY(p_outbox_statuses)
     GROUP BY m.firm_id, m.status
    UNION ALL
    SELECT 'outbox_oldest_pending', m.firm_id, '', extract(epoch FROM min(m.created_at))::double precision
      FROM notifications_outboundmessage m WHERE m.status = p_outbox_pending
     GROUP BY m.firm_id
$$;
"""

DROP = (
    "DROP FUNCTION app_platform_metrics(timestamptz, text[], text, text[], text, text);"
)


class Migration(migrations.Migration):
    dependencies = [
        ("firms", "0005_seal_legacy_audit_chains"),
        ("drift", "0012_scan_shards"),
        ("approvals", "0003_signing_code"),
        ("trading", "0003_block_held_by_pause"),
        ("notifications", "0005_notification_kind_withdrawn"),
    ]

    operations = [migrations.RunSQL(FUNCTION, DROP)]
