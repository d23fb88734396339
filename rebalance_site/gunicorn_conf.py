"""gunicorn's settings for the production image (Dockerfile, docker-compose.prod.yml):
`gunicorn -c rebalance_site/gunicorn_conf.py rebalance_site.wsgi:application`.

Threaded workers as the load test measured them (docs/RELIABILITY.md): one process per core,
4 threads each, keep-alive above the browsers' think time. Each can be set by environment.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "10"))
# A request still running after this is killed and its worker replaced (the slowest pages,
# an export or a report PDF, take a few seconds).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# A worker is replaced after this many requests (jitter: not all at once): memory stays flat.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# Temporary files of the workers' heartbeats in memory, not on the container's overlay disk.
worker_tmp_dir = "/dev/shm"
