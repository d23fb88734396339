"""Sign-in accounts (allauth's adapter): nobody signs up on their own, and every link in an
account email is built from settings.SITE_URL, never from the request's Host."""

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


@dataclass(frozen=True)
class ConfiguredSite:
    """Stands in for allauth's current site: settings.SITE_URL, never the request's Host."""

    domain: str
    name: str


def configured_site() -> ConfiguredSite:
    host = urlsplit(settings.SITE_URL).netloc
    return ConfiguredSite(domain=host, name=host)


def on_site_url(url: str) -> str:
    """`url` with its scheme and host replaced by settings.SITE_URL's (path and query kept)."""
    site, bits = urlsplit(settings.SITE_URL), urlsplit(url)
    return urlunsplit(
        (site.scheme, site.netloc, site.path.rstrip("/") + bits.path, bits.query, bits.fragment)
    )


class FirmAccountAdapter(DefaultAccountAdapter):
    """Firms create their users; nobody signs up on their own. Every link in an account email
    (password reset above all) is built from settings.SITE_URL: a request with a forged Host
    must not make us mail a reset link to a host the attacker controls."""

    def is_open_for_signup(self, request):
        return False

    def get_reset_password_from_key_url(self, key: str) -> str:
        return on_site_url(super().get_reset_password_from_key_url(key))

    def format_email_subject(self, subject: str) -> str:
        prefix = app_settings.EMAIL_SUBJECT_PREFIX
        return (f"[{configured_site().name}] " if prefix is None else prefix) + str(subject)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context = {**context, "current_site": configured_site()}
        for key, value in context.items():
            if key.endswith("_url") and isinstance(value, str) and "://" in value:
                context[key] = on_site_url(value)
        return super().send_mail(template_prefix, email, context)
