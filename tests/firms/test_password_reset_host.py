"""Password-reset emails link to settings.SITE_URL, never to the request's Host:
a request with a forged Host (accepted by a permissive ALLOWED_HOSTS, as behind some load
balancers) must not get a reset link for the attacker's host mailed to the victim."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_reset_link_uses_site_url_whatever_the_host_header(client, members_a, settings):
    cache.clear()
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = "https://app.rebalance.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    email = members_a["advisor"].user.email
    response = client.post(
        reverse("account_reset_password"), {"email": email}, HTTP_HOST="evil.example"
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    links = re.findall(r"https?://[^\s\"'<>]+", sent.body)
    assert links and all(link.startswith("https://app.rebalance.example/") for link in links), links
    assert "evil.example" not in sent.body + sent.subject
    # The link works on the configured site.
    path = links[0].split("https://app.rebalance.example", 1)[1]
    assert client.get(path, follow=True).status_code == 200
    cache.clear()
