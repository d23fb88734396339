"""The request id travels with the tasks: a task published while a request (or another task)
runs carries its request id in a message header, and the worker's run of that task logs it,
and passes it on to the tasks it publishes in turn. Each run also logs its own task id.

A task without one (published by the beat, a management command) starts a fresh id, which
the tasks it fans out to share. Connected by rebalance_site.celery."""

from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

from .log_context import request_id_new, request_id_valid, request_id_var, task_id_var

HEADER = "request_id"
_tokens: dict[str, tuple] = {}  # task id -> the context variables' tokens, reset after the run


@before_task_publish.connect
def _carry_request_id(headers=None, **kwargs):
    request_id = request_id_var.get()
    if request_id and headers is not None and not headers.get(HEADER):
        headers[HEADER] = request_id


@task_prerun.connect
def _enter_task(task_id=None, task=None, **kwargs):
    # An eager run (tests, inline calls) has no message: it keeps the caller's id.
    carried = getattr(task.request, HEADER, None) if task is not None else None
    request_id = carried if request_id_valid(carried) else request_id_var.get() or request_id_new()
    _tokens[task_id] = (request_id_var.set(request_id), task_id_var.set(task_id))


@task_postrun.connect
def _leave_task(task_id=None, **kwargs):
    tokens = _tokens.pop(task_id, None)
    if tokens:
        request_token, task_token = tokens
        try:
            task_id_var.reset(task_token)
            request_id_var.reset(request_token)
        except ValueError:  # a pool that ran the task in another context: nothing to restore
            pass


@setup_logging.connect
def _keep_django_logging(loglevel=None, **kwargs):
    """The worker and the beat log through settings.LOGGING (the JSON or plain format, the
    context and the portal-token filters) instead of Celery replacing the root handlers;
    `--loglevel` still sets the level."""
    import logging
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
