#!/bin/sh
# Seed the load database (run under scripts/with_services.py --db-suffix _load): the two demo
# firms plus a third (Cedar Lane Partners), each scanned, checked and routed so the drift list,
# proposals and the client portal have content. Every step is idempotent.
set -e
PY=.venv/bin/python
$PY manage.py migrate --no-input >/dev/null
$PY manage.py seed_demo >/dev/null
$PY loadtest/seed_third_firm.py
$PY manage.py dbshell -- -c 'ANALYZE' >/dev/null  # fresh bulk rows: without statistics compliance_check planned a 5-minute query
for f in harbor summit cedar; do
  $PY manage.py drift_scan $f --latest-prices >/dev/null
  $PY manage.py compliance_check $f >/dev/null
  $PY manage.py approvals_route_pending $f >/dev/null
done
echo "load database ready"
