#!/bin/sh
# `make loadtest` body, run under scripts/with_services.py --db-suffix _load: seed, start gunicorn
# on 127.0.0.1, run Locust headless for a bounded time, stop gunicorn, print the figures.
set -e
PORT=${LOADTEST_PORT:-8765}
USERS=${LOADTEST_USERS:-200}
RATE=${LOADTEST_RATE:-20}
DURATION=${LOADTEST_DURATION:-5m}
WORKERS=${LOADTEST_WORKERS:-4}
OUT=test-artifacts/loadtest
mkdir -p $OUT
sh loadtest/prepare.sh
.venv/bin/python loadtest/approvals_ready.py $OUT/approvals_ready.json  # clients' approvals waiting at their step
.venv/bin/python loadtest/sessions.py $OUT/sessions.json
.venv/bin/gunicorn rebalance_site.wsgi:application --bind 127.0.0.1:$PORT --workers $WORKERS \
  --access-logfile /dev/null --error-logfile $OUT/gunicorn.log --pid $OUT/gunicorn.pid --timeout 60 &
GPID=$!
trap 'kill $GPID 2>/dev/null; wait $GPID 2>/dev/null' EXIT
for i in $(seq 1 50); do .venv/bin/python -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$PORT)))" && break; sleep 0.2; done
status=0
LOADTEST_SESSIONS=$OUT/sessions.json LOADTEST_READY=$OUT/approvals_ready.json LOADTEST_RESULTS=$OUT/results.json \
  LOADTEST_DURATION=$DURATION timeout 3600 .venv/bin/locust -f loadtest/locustfile.py --headless -u $USERS -r $RATE -t $DURATION \
  --host http://127.0.0.1:$PORT --csv $OUT/locust --only-summary --stop-timeout 10 || status=$?
summary=0
.venv/bin/python loadtest/summary.py $OUT/results.json || summary=$?  # figures, then approvals checked in the database
[ "$status" -ne 0 ] || status=$summary
exit $status
