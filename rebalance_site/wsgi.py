"""The WSGI entry point (gunicorn)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rebalance_site.settings")
application = get_wsgi_application()

# A request allocates tens of thousands of short-lived objects (querysets, model instances,
# template nodes' contexts); with CPython's default first threshold (700) the collector runs
# dozens of times per request and each full pass walks every module-level object of Django and
# the app. Freezing what start-up built takes those out of every pass, and a larger first
# threshold collects once per request or so: 10-20% less CPU per page (16.4 -> 12.9 ms on the
# drift list, 8.9 -> 8.2 ms on the portal home; loadtest/profile_pages.py, docs/RELIABILITY.md).
gc.freeze()
gc.set_threshold(20_000, 20, 100)
