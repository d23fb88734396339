"""What notifications hears from earlier stages: each receiver only enqueues a task of this
app once the sender's transaction has committed."""

from firms.tasks import enqueue_after_commit


def check_errors_enqueue(sender, firm_id: int, errors: dict, **kwargs) -> None:
    """compliance.checks_not_run → email the officers (notifications.tasks)."""
    from .tasks import check_errors_notify_task

    # Celery's JSON turns the proposal ids into strings anyway; say so here.
    payload = {kind: {str(pid): err for pid, err in by.items()} for kind, by in errors.items()}
    enqueue_after_commit(check_errors_notify_task, firm_id=firm_id, errors=payload)


def defaults_seed(sender, firm_id: int, **kwargs) -> dict[str, int]:
    """firms.firm_defaults_wanted → the firm's email templates, copied from the shipped ones."""
    from .services.templates import notification_templates_ensure_defaults

    return {"templates": notification_templates_ensure_defaults(firm_id=firm_id)}


def connect() -> None:
    from compliance.signals import checks_not_run
    from firms.signals import firm_defaults_wanted

    checks_not_run.connect(check_errors_enqueue, dispatch_uid="notifications.check_errors_enqueue")
    firm_defaults_wanted.connect(defaults_seed, dispatch_uid="notifications.defaults_seed")
