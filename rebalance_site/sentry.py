"""Optional error tracking: the Sentry SDK, started from settings only when SENTRY_DSN is set.

No personal data (send_default_pii=False: no cookies, no user e-mail or IP, no request
bodies), and portal link tokens are cut out of every event and breadcrumb before it leaves
(rebalance_site.log_filters.redact), as they are from the logs."""

import sentry_sdk

from .log_filters import redact


def _scrub(value):
    if isinstance(value, str):
        return redact(value) if "/portal/l/" in value else value
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_scrub(item) for item in value)
    return value


def scrub_event(event, hint):
    return _scrub(event)


def sentry_init(dsn: str, *, environment: str, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_event,
    )
