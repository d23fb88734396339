"""Login-relevant events go to the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from firms.services.audit import audit_record
from firms.services.tenancy import firm_scope, membership_for_user


def _audit_for(user, event: str, request) -> None:
    membership = membership_for_user(user) if user is not None else None
    if membership is None:
        return  # platform users and unknown addresses have no firm chain to write to
    payload = {"ip": request.META.get("REMOTE_ADDR", "") if request else ""}
    with firm_scope(membership.firm_id):
        audit_record(firm_id=membership.firm_id, event=event, actor=user, payload=payload)


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    _audit_for(user, "auth.login", request)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        _audit_for(user, "auth.logout", request)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    from django.contrib.auth import get_user_model

    email = (credentials or {}).get("email") or (credentials or {}).get("username") or ""
    # Staff sign in with their email as username; a client's portal user of another firm may
    # share the email.
    user = get_user_model().objects.filter(username__iexact=email).first() if email else None
    if user is not None:
        _audit_for(user, "auth.login_failed", request)
