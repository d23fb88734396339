"""Staff see, on every page, that the firm's automated execution is paused."""
import pytest
from django.urls import reverse

from firms.tenancy import firm_scope
from trading.choices import PauseScope
from trading.models import ExecutionPause

pytestmark = pytest.mark.django_db


def test_every_staff_page_says_when_execution_is_paused_for_the_firm(login, firm_a, firm_b, members_a, members_b):
    with firm_scope(firm_a):
        pause = ExecutionPause.objects.create(firm=firm_a, scope=PauseScope.FIRM, reason="Flash crash review")
    page = login(members_a["advisor"]).get(reverse("portfolios:accounts")).content.decode()
    assert "Automated execution is paused" in page and "Flash crash review" in page
    other_firm = login(members_b["advisor"]).get(reverse("portfolios:accounts")).content.decode()
    assert "Automated execution is paused" not in other_firm
    with firm_scope(firm_a):
        pause.resumed_at = pause.paused_at
        pause.save()
    assert "Automated execution is paused" not in login(members_a["advisor"]).get(reverse("portfolios:accounts")).content.decode()
