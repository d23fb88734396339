"""Rendered emails: defaults, proposal data, links from SITE_URL, firm branding, timing."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from firms.services.tenancy import firm_scope
from notifications.choices import Kind
from notifications.models import NotificationTemplate
from notifications.services.messages import (
    NotificationRequest,
    notification_enqueue,
    notification_render,
    reminder_due,
)
from notifications.services.templates import notification_template_save
from notifications.templating.defaults import DEFAULTS
from notifications.templating.merge import MergeSyntaxError
from notifications.templating.samples import SCENARIOS, sample_facts

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", Kind.values)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_default_renders_for_every_sample(firm_a, scoped, kind, scenario):
    email = notification_render(
        firm=firm_a, kind=kind, facts=sample_facts(scenario, firm_name=firm_a.name)
    )
    assert email.subject and "{{" not in email.subject + email.html + email.text
    assert "Alpha Advisors" in email.html and "Alpha Advisors" in email.text
    assert "<script" not in email.html and "<svg" not in email.html


def test_the_proposal_email_shows_this_proposal_and_links_to_the_site_url(
    firm_a, proposal_a, queued, settings
):
    settings.SITE_URL = "https://app.rebalance.example"
    with firm_scope(firm_a):
        message = notification_enqueue(
            firm=firm_a,
            request=NotificationRequest(
                kind=Kind.PROPOSAL,
                recipient="c@example.test",
                proposal=proposal_a,
                portal_path="/portal/p/tok123/",
                deadline=datetime(2026, 11, 27, 18, 0, tzinfo=UTC),
            ),
        )
    number = proposal_a.account.number
    assert (
        f"••••{number[-4:]}" in message.subject
        and number not in message.body_html + message.body_text
    )
    assert 'href="https://app.rebalance.example/portal/p/tok123/"' in message.body_html
    assert "https://app.rebalance.example/portal/p/tok123/" in message.body_text
    assert proposal_a.account.client.name in message.body_html
    assert "VTI" in message.body_html and "BND" in message.body_html
    assert "Friday, November 27, 2026 at 1:00 PM EST" in message.body_text
    assert f"background:{firm_a.brand_color}" in message.body_html


def test_another_clients_data_never_appears(firm_a, proposal_a, queued):
    from portfolios.models import Client

    with firm_scope(firm_a):
        Client.objects.create(firm=firm_a, name="Other Person", email="other@example.test")
        message = notification_enqueue(
            firm=firm_a,
            request=NotificationRequest(
                kind=Kind.PROPOSAL, recipient="c@example.test", proposal=proposal_a
            ),
        )
    assert "Other Person" not in message.body_html and "other@example.test" not in message.body_text


def test_a_firm_template_replaces_the_default_and_cannot_save_unknown_fields(firm_a, members_a):
    admin = members_a["firm_admin"]
    with firm_scope(firm_a):
        with pytest.raises(
            MergeSyntaxError, match=r"Unknown field \{\{Client.SSN\}\}.*line 2, column 3"
        ):
            notification_template_save(
                firm=firm_a,
                actor=admin,
                kind=Kind.REMINDER,
                subject="Hi",
                body_html="<p>\n  {{Client.SSN}}</p>",
                body_text="x",
            )
        assert not NotificationTemplate.objects.exists()
        notification_template_save(
            firm=firm_a,
            actor=admin,
            kind=Kind.REMINDER,
            subject="Hello {{Client.FirstName}}",
            body_html="<p>Only {{Firm.Name}}</p>",
            body_text="Only {{Firm.Name}}",
        )
        email = notification_render(
            firm=firm_a, kind=Kind.REMINDER, facts=sample_facts("ira", firm_name=firm_a.name)
        )
    assert email.subject == "Hello Robin" and "Only Alpha Advisors" in email.html


def test_a_firm_template_is_the_firms_own(firm_a, firm_b, members_a):
    with firm_scope(firm_a):
        notification_template_save(
            firm=firm_a,
            actor=members_a["firm_admin"],
            kind=Kind.PROPOSAL,
            subject="Alpha only",
            body_html="<p>a</p>",
            body_text="a",
        )
    with firm_scope(firm_b):
        email = notification_render(
            firm=firm_b, kind=Kind.PROPOSAL, facts=sample_facts("small", firm_name=firm_b.name)
        )
    assert email.subject == DEFAULTS[Kind.PROPOSAL].subject.replace(
        "{{Account.Number}}", "••••1234"
    )


def test_a_bad_brand_colour_cannot_inject_styles(firm_a, scoped):
    firm_a.brand_color = 'red;"><script>'
    email = notification_render(
        firm=firm_a, kind=Kind.PROPOSAL, facts=sample_facts("small", firm_name=firm_a.name)
    )
    assert "<script>" not in email.html and "background:#1f4e79" in email.html


START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
DEADLINE = START + timedelta(hours=48)


@pytest.mark.parametrize(
    "now, due",
    [
        (START, False),
        (START + timedelta(hours=23, minutes=59, seconds=59), False),
        (START + timedelta(hours=24), True),
        (START + timedelta(hours=47), True),
        (DEADLINE, False),
    ],
)
def test_the_reminder_is_due_from_half_the_window_not_before(now, due):
    assert reminder_due(START, DEADLINE, now) is due
