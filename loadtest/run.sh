#!/bin/sh
# `make loadtest` body, run under scripts/with_services.py --db-suffix _load: seed, start gunicorn
# on 127.0.0.1, run Locust headless for a bounded time, stop gunicorn, print the figures.
set -e
PORT=${LOADTEST_PORT:-8765}
USERS=${LOADTEST_USERS:-200}
RATE=${LOADTEST_RATE:-20}
DURATION=${LOADTEST_DURATION:-5m}
WORKERS=${LOADTEST_WORKERS:-2}
THREADS=${LOADTEST_THREADS:-4}
OUT=test-artifacts/loadtest
mkdir -p $OUT
# A Celery worker, as in production: it renders the clients' signed PDFs and sends the emails the
# approvals queue. Started before the seeding so tasks left in the queue by earlier runs are done
# before the measured part; its CPU during the load is counted.
.venv/bin/celery -A rebalance_site worker --pool=solo --without-heartbeat --without-gossip --without-mingle \
  --loglevel=WARNING --logfile $OUT/worker.log &
WPID=$!
trap 'kill $WPID 2>/dev/null || true' EXIT
sh loadtest/prepare.sh $OUT
.venv/bin/python loadtest/sessions.py $OUT/sessions.json
# Production static files (hashed names, WhiteNoise), as the image's build collects them.
.venv/bin/python manage.py collectstatic --noinput -v0
# 2 processes (one per core) x 4 threads, keep-alive longer than the 1-3 s think time: a user's
# connection is reused instead of a TCP connect + accept + close per request on both sides
# (measured: less CPU per request than 3 or 4 sync workers; docs/RELIABILITY.md).
.venv/bin/gunicorn rebalance_site.wsgi:application --bind 127.0.0.1:$PORT --workers $WORKERS --worker-class gthread \
  --threads $THREADS --keep-alive 10 --access-logfile /dev/null --error-logfile $OUT/gunicorn.log --pid $OUT/gunicorn.pid --timeout 60 &
GPID=$!
trap 'kill $MPID $GPID $WPID 2>/dev/null || true; wait $GPID $WPID 2>/dev/null || true' EXIT
for i in $(seq 1 50); do .venv/bin/python -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1',$PORT)))" && break; sleep 0.2; done
sleep 2  # workers booted: their start-up is not counted
.venv/bin/python loadtest/cpu_monitor.py $GPID $OUT/cpu.json $WPID &
MPID=$!
status=0
# GEVENT_RESOLVER=block: Locust resolves 127.0.0.1 inline instead of through gevent's thread pool.
GEVENT_RESOLVER=block LOADTEST_SESSIONS=$OUT/sessions.json LOADTEST_READY=$OUT/approvals_ready.json LOADTEST_RESULTS=$OUT/results.json \
  LOADTEST_DURATION=$DURATION timeout 3600 .venv/bin/locust -f loadtest/locustfile.py --headless -u $USERS -r $RATE -t $DURATION \
  --host http://127.0.0.1:$PORT --csv $OUT/locust --only-summary --stop-timeout 10 || status=$?
kill $MPID 2>/dev/null; wait $MPID || true
summary=0
.venv/bin/python loadtest/summary.py $OUT/results.json $OUT/cpu.json || summary=$?  # figures, CPU, approvals checked in the DB
[ "$status" -ne 0 ] || status=$summary
exit $status
