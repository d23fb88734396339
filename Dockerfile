# The production image: web (gunicorn), worker and beat all run it (docker-compose.prod.yml).
# Runtime packages only, at the exact versions and hashes of requirements.lock; static files
# collected at build (WhiteNoise serves them); runs as an unprivileged user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=rebalance_site.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    AUDIT_HEAD_DIR=/data/audit-heads

# weasyprint's libraries (Pango and its text shaping) and a font for the signed PDFs and reports.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 rebalance \
    && useradd --system --uid 10001 --gid rebalance --home-dir /app --no-create-home rebalance

WORKDIR /app
COPY requirements.lock .
RUN pip install --require-hashes -r requirements.lock

# The code belongs to root and is read-only for the app's user; only /data is writable.
COPY . .
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput \
    && mkdir -p /data/media /data/audit-heads \
    && chown -R rebalance:rebalance /data

USER rebalance
VOLUME ["/data"]
EXPOSE 8000
CMD ["gunicorn", "-c", "rebalance_site/gunicorn_conf.py", "rebalance_site.wsgi:application"]
