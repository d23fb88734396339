#!/bin/sh
# Seed the load database (run under scripts/with_services.py --db-suffix _load): the two demo
# firms plus a third (Cedar Lane Partners), each scanned, checked and routed so the drift list,
# proposals and the client portal have content, then an approval waiting at the client step
# for every account of the client logins (loadtest/approvals_ready.py; count written to
# $1/approvals_ready.json). Every step is idempotent.
set -e
PY=.venv/bin/python
$PY manage.py migrate --no-input >/dev/null
$PY manage.py seed_demo --accounts 420 --sessions 0 >/dev/null  # the book the figures were measured on
$PY loadtest/seed_third_firm.py
# As the schema's owner: the app login may not ANALYZE tables it does not own (PostgreSQL skips
# them with a warning, and the load then ran on plans without statistics: the portal home cost
# 128 ms of PostgreSQL CPU per request instead of 1.7 ms, loadtest/profile_pages.py).
$PY manage.py dbshell --database owner -- -c 'ANALYZE' >/dev/null  # fresh bulk rows: without statistics compliance_check planned a 5-minute query
for f in harbor summit cedar; do
  $PY manage.py drift_scan $f --latest-prices >/dev/null
  $PY manage.py compliance_check $f >/dev/null
  $PY manage.py approvals_route_pending $f >/dev/null
done
mkdir -p ${1:-test-artifacts/loadtest}
$PY loadtest/approvals_ready.py ${1:-test-artifacts/loadtest}/approvals_ready.json
# Statistics again: proposals, approvals and steps were written after the first ANALYZE; with
# empty-table estimates the portal's "waiting for you" query planned a 20 ms nested loop.
$PY manage.py dbshell --database owner -- -c 'ANALYZE' >/dev/null
echo "load database ready"
