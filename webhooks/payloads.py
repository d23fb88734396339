"""The `data` of each event type, as one SELECT over the ids a stage hands over: each returns
(key, data) rows, `key` making the event once per firm and type. docs/WEBHOOKS.md documents
these fields; change both together.

The webhooks app sits below every stage (so every stage can emit); it reads their tables here,
by name, and nowhere else. Amounts are strings of the stored decimals (`numeric::text`), ids
are numbers, dates ISO. No client name or email: a CRM matches on the account number and the
client id."""

from .choices import EventType as T

_ACCOUNT = """'account_id', a.id, 'account_number', a.number, 'client_id', a.client_id"""

_PROPOSAL = f"""'proposal_id', p.id, 'version', p.version, 'kind', p.kind, 'source', p.source,
  'as_of', p.as_of, {_ACCOUNT},
  'total_value', p.total_value::text, 'trade_value', p.trade_value::text,
  'cash_amount', p.cash_amount::text, 'est_costs', p.est_costs::text,
  'est_tax', p.est_tax::text, 'drift_before', p.drift_before::text,
  'drift_after', p.drift_after::text, 'content_hash', p.content_hash"""

PROPOSAL_CREATED = f"""
SELECT p.id::text, jsonb_build_object({_PROPOSAL}, 'status', p.status)
FROM drift_proposal p JOIN portfolios_account a ON a.id = p.account_id
WHERE p.id = ANY(%(ids)s)"""

# Keyed by the review's check time: a re-check that flags again is a new event.
COMPLIANCE = f"""
SELECT p.id::text || ':' || extract(epoch FROM r.checked_at)::text,
  jsonb_build_object({_PROPOSAL}, 'review_status', r.status, 'checked_at', r.checked_at,
    'findings', COALESCE((
      SELECT jsonb_agg(jsonb_build_object('rule', c.kind, 'severity', c.severity,
                                          'message', c.message) ORDER BY c.kind)
      FROM compliance_checkresult c WHERE c.proposal_id = p.id AND NOT c.passed), '[]'))
FROM drift_proposal p JOIN portfolios_account a ON a.id = p.account_id
  JOIN compliance_compliancereview r ON r.proposal_id = p.id
WHERE p.id = ANY(%(ids)s)"""

_APPROVAL = f"""'approval_id', ap.id, 'proposal_id', ap.proposal_id, 'version', ap.version,
  {_ACCOUNT}, 'tier', ap.tier, 'status', ap.status, 'started_at', ap.started_at,
  'deadline', ap.deadline, 'content_hash', ap.content_hash,
  'trade_value', p.trade_value::text"""

APPROVAL_REQUESTED = f"""
SELECT ap.id::text, jsonb_build_object({_APPROVAL},
  'steps', (SELECT jsonb_agg(s.role ORDER BY s.position) FROM approvals_approvalstep s
            WHERE s.approval_id = ap.id))
FROM approvals_approval ap JOIN drift_proposal p ON p.id = ap.proposal_id
  JOIN portfolios_account a ON a.id = p.account_id
WHERE ap.id = ANY(%(ids)s)"""

APPROVAL_CLOSED = f"""
SELECT ap.id::text, jsonb_build_object({_APPROVAL}, 'decided_at', ap.decided_at)
FROM approvals_approval ap JOIN drift_proposal p ON p.id = ap.proposal_id
  JOIN portfolios_account a ON a.id = p.account_id
WHERE ap.id = ANY(%(ids)s)"""

# A batch may run again the same day (an advisor's "run now"): each run is an event.
BATCH_EXECUTED = """
SELECT b.id::text || ':' || b.runs::text, jsonb_build_object('batch_id', b.id,
  'trade_date', b.trade_date, 'run', b.runs, 'status', b.status, 'trigger', b.trigger,
  'finished_at', b.finished_at, 'counts', b.counts)
FROM trading_batch b WHERE b.id = ANY(%(ids)s)"""

_ORDER = f"""'order_id', o.id, 'client_order_id', o.client_order_id, 'batch_id', o.batch_id,
  'proposal_id', o.proposal_id, {_ACCOUNT}, 'symbol', s.symbol, 'side', o.side,
  'quantity', o.quantity::text, 'filled_quantity', o.filled_quantity::text,
  'avg_price', o.avg_price::text, 'fees', o.fees::text, 'status', o.status, 'note', o.note"""

# Orders of the settled blocks, in the final states of the event type.
ORDERS = f"""
SELECT o.id::text, jsonb_build_object({_ORDER})
FROM trading_order o JOIN portfolios_account a ON a.id = o.account_id
  JOIN portfolios_security s ON s.id = o.security_id
WHERE o.block_id = ANY(%(ids)s) AND o.status = ANY(%(statuses)s)"""

REPORT_READY = """
SELECT r.id::text, jsonb_build_object('report_id', r.id, 'month', r.month,
  'version', r.version, 'trigger', r.trigger, 'created_at', r.created_at,
  'pdf_sha256', r.pdf_sha256, 'csv_sha256', r.csv_sha256,
  'pdf_url', '/api/reports/monthly/' || r.id || '/pdf/',
  'csv_url', '/api/reports/monthly/' || r.id || '/csv/')
FROM reporting_monthlyreport r WHERE r.id = ANY(%(ids)s)"""

# One event whose data the caller built (webhooks.services.emit.webhook_emit).
GIVEN = "SELECT %(key)s::text, %(data)s::jsonb"

BY_TYPE = {
    T.PROPOSAL_CREATED: PROPOSAL_CREATED,
    T.COMPLIANCE_FLAGGED: COMPLIANCE,
    T.COMPLIANCE_BLOCKED: COMPLIANCE,
    T.APPROVAL_REQUESTED: APPROVAL_REQUESTED,
    T.APPROVAL_DECIDED: APPROVAL_CLOSED,
    T.APPROVAL_EXPIRED: APPROVAL_CLOSED,
    T.BATCH_EXECUTED: BATCH_EXECUTED,
    T.ORDER_FILLED: ORDERS,
    T.ORDER_REJECTED: ORDERS,
    T.REPORT_READY: REPORT_READY,
}
