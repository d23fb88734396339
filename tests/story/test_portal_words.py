"""What the client reads: a tax-loss harvest and a substitute swap explained in plain words
next to the trade, and after signing, when the trades go out (the next 9:45 New York batch on
the NYSE calendar)."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from firms.services.tenancy import firm_scope
from portal.selectors import trade_notes
from portfolios.calc.market_calendar import NEW_YORK
from tests.story.conftest import ALL_FILL, live_a_proposal
from trading.calc.schedule import next_batch_start

pytestmark = pytest.mark.django_db


def _ny(y, m, d, hh, mm):
    return datetime(y, m, d, hh, mm, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("signed", "batch"),
    [
        (_ny(2026, 11, 24, 8, 0), _ny(2026, 11, 24, 9, 45)),  # before 9:45: the same day
        (_ny(2026, 11, 24, 9, 45), _ny(2026, 11, 25, 9, 45)),  # at 9:45: that batch has begun
        (_ny(2026, 11, 25, 18, 0), _ny(2026, 11, 27, 9, 45)),  # Thanksgiving is skipped
        (_ny(2026, 11, 27, 14, 0), _ny(2026, 11, 30, 9, 45)),  # Friday afternoon → Monday
        (_ny(2026, 12, 5, 11, 0), _ny(2026, 12, 7, 9, 45)),  # a Saturday → Monday
    ],
)
def test_the_next_batch_follows_the_nyse_calendar(signed, batch):
    assert next_batch_start(signed.astimezone(UTC)) == batch


@pytest.fixture
def signed(firm_a, members_a, settings, tmp_path):
    settings.TRADING_SIMULATED, settings.MEDIA_ROOT = ALL_FILL, tmp_path
    return live_a_proposal(firm_a, members_a["advisor"], batch=False)


def _portal(client, lived):
    client.force_login(lived["client"].user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("portal:proposal", args=[lived["approval"].pk]))
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def test_after_signing_the_client_is_told_when_the_trades_go_out(client, signed):
    when = next_batch_start(timezone.now()).astimezone(NEW_YORK)
    html = _portal(client, signed)
    assert "When your trades go out:" in html
    assert f"{when:%A, %B} {when.day}, {when.year}, at 9:45 AM Eastern time" in html


def test_once_executed_the_client_is_told_the_trades_were_placed(client, lived):
    html = _portal(client, lived)
    assert "Your trades have been placed" in html and "When your trades go out" not in html


def test_a_harvest_is_explained_next_to_its_trades(client, signed, firm_a):
    with firm_scope(firm_a):
        p = signed["proposal"]
        p.flags = {
            **p.flags,
            "tlh": True,
            "harvest": [{"sold": "VTI", "substitute": "BND", "label": "harvest"}],
        }
        p.save(update_fields=["flags"])
    html = _portal(client, signed)
    sell = html.index("Tax-loss harvest: VTI is worth less than you paid for it")
    buy = html.index("Bought in place of VTI, sold at a loss above")
    # Each note sits in its own trade's row.
    rows = html[html.index('<table class="trades">') :]
    assert rows.index("VTI") < rows.index("Tax-loss harvest") and sell and buy


def test_a_swap_back_is_explained(client, signed, firm_a):
    with firm_scope(firm_a):
        p = signed["proposal"]
        p.flags = {
            **p.flags,
            "harvest": [{"sold": "VTI", "substitute": "BND", "label": "swap_back"}],
        }
        p.save(update_fields=["flags"])
    html = _portal(client, signed)
    assert "Switching back: VTI stood in for BND after an earlier tax-loss sale" in html
    assert "Buying back BND, the fund your plan holds, in place of the stand-in VTI." in html


def test_a_substitute_swap_names_both_funds_and_why(signed, firm_a):
    earlier = signed["proposal"]  # buys BND
    swapped = SimpleNamespace(flags={"substitute_of": earlier.pk})
    trades = [
        SimpleNamespace(pk=1, side="sell", security=SimpleNamespace(symbol="VTI")),
        SimpleNamespace(pk=2, side="buy", security=SimpleNamespace(symbol="AGG")),
    ]
    with firm_scope(firm_a):
        notes = trade_notes(swapped, trades)
    assert list(notes) == [2]
    assert notes[2].startswith("Substitute: we buy AGG instead of BND. Buying BND now")
    assert "wash-sale rule" in notes[2]


def test_new_years_day_and_the_weekend_after_it_are_skipped():
    assert next_batch_start(_ny(2026, 12, 31, 10, 0).astimezone(UTC)).date() == date(2027, 1, 4)
