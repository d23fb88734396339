"""Model management pages: list, create, edit holdings (exactly 100%, Decimal), the confirmed
apply, retire (never assigned again: import and admin refuse it), audit and roles."""

from decimal import Decimal

import pytest
from django.urls import reverse

from firms.choices import Role
from firms.models import AuditEntry
from firms.services.tenancy import firm_scope
from portfolios.models import Account, ModelPortfolio, ModelTarget

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(firm_a, members_a):
    from tests.factories import make_book

    with firm_scope(firm_a):
        return make_book(firm_a, accounts=2, advisor=members_a[Role.ADVISOR])


def _holdings(rows, total_forms=None, initial=0):
    data = {
        "h-TOTAL_FORMS": str(total_forms or len(rows)),
        "h-INITIAL_FORMS": str(initial),
        "h-MIN_NUM_FORMS": "0",
        "h-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for k, v in row.items():
            data[f"h-{i}-{k}"] = v
    return data


def test_the_list_shows_every_model_with_its_total_in_constant_queries(
    login, book, members_a, django_assert_max_num_queries
):
    client = login(members_a[Role.ADVISOR])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("drift:models"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Balanced 60/40" in body and "100%" in body
    assert reverse("drift:model_new") not in body  # an advisor reads, never changes
    with firm_scope(book["model"].firm_id):
        for i in range(5):
            ModelPortfolio.objects.create(firm_id=book["model"].firm_id, name=f"Extra {i}")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("drift:models")).status_code == 200


def test_create_needs_exactly_100_percent_with_a_clear_error(login, book, members_a, firm_a):
    client = login(members_a[Role.COMMITTEE_MEMBER])
    stock, bond = book["stock"], book["bond"]
    short = {
        "name": "Growth 70/30",
        **_holdings(
            [
                {"security": stock.pk, "weight": "70"},
                {"security": bond.pk, "weight": "29.99"},
            ]
        ),
    }
    page = client.post(reverse("drift:model_new"), short)
    assert page.status_code == 400
    assert (
        "The weights add up to 99.99%; they must add up to exactly 100%." in page.content.decode()
    )
    with firm_scope(firm_a):
        assert not ModelPortfolio.objects.filter(name="Growth 70/30").exists()

    twice = {
        "name": "Growth 70/30",
        **_holdings(
            [{"security": stock.pk, "weight": "70"}, {"security": stock.pk, "weight": "30"}]
        ),
    }
    assert (
        "VTI appears more than once"
        in client.post(reverse("drift:model_new"), twice).content.decode()
    )

    ok = {
        "name": "Growth 70/30",
        "description": "More equity",
        **_holdings(
            [
                {"security": stock.pk, "weight": "70.0001"},
                {"security": bond.pk, "weight": "29.9999"},
                {"security": "", "weight": ""},  # an empty row is ignored
            ]
        ),
    }
    assert client.post(reverse("drift:model_new"), ok).status_code == 302
    with firm_scope(firm_a):
        model = ModelPortfolio.objects.get(name="Growth 70/30")
        weights = dict(
            ModelTarget.objects.filter(model=model).values_list("security__symbol", "weight")
        )
        assert weights == {"VTI": Decimal("70.0001"), "BND": Decimal("29.9999")}
        targets = {t.security_id: t.asset_class for t in model.targets.all()}
        assert targets == {stock.pk: "us_equity", bond.pk: "fixed_income"}
        assert AuditEntry.objects.filter(event="model.created", object_id=str(model.pk)).exists()

    dup = client.post(reverse("drift:model_new"), ok)
    assert "A model named “Growth 70/30” already exists" in dup.content.decode()


def test_edit_removes_a_holding_then_applies_only_with_the_preview_confirmation(
    login, book, members_a, firm_a
):
    client = login(members_a[Role.FIRM_ADMIN])
    model, stock, bond = book["model"], book["stock"], book["bond"]
    url = reverse("drift:model_edit", args=[model.pk])
    page = client.get(url)
    assert page.status_code == 200 and "100%" in page.content.decode()
    # Remove the bond; all in equities.
    rows = [
        {"security": stock.pk, "weight": "100"},
        {"security": bond.pk, "weight": "40", "DELETE": "on"},
    ]
    data = {"name": model.name, **_holdings(rows, initial=2)}
    # An apply without the preview's confirmation changes nothing.
    page = client.post(url, {**data, "action": "apply"})
    assert "Not applied" in page.content.decode()
    with firm_scope(firm_a):
        assert ModelTarget.objects.filter(model=model).count() == 2
    preview = client.post(url, {**data, "action": "preview"})
    assert preview.status_code == 200
    confirm = preview.context["confirm"]
    assert "Confirm: apply and re-evaluate" in preview.content.decode()
    # The confirmation is for exactly the previewed holdings.
    other = {
        "name": model.name,
        **_holdings(
            [{"security": stock.pk, "weight": "60"}, {"security": bond.pk, "weight": "40"}],
            initial=2,
        ),
    }
    client.post(url, {**other, "action": "apply", "confirm": confirm})
    with firm_scope(firm_a):
        assert ModelTarget.objects.filter(model=model).count() == 2
    done = client.post(url, {**data, "action": "apply", "confirm": confirm})
    assert done.status_code == 302
    with firm_scope(firm_a):
        assert list(
            ModelTarget.objects.filter(model=model).values_list("security_id", "weight")
        ) == [(stock.pk, Decimal("100"))]
        assert AuditEntry.objects.filter(event="model.targets_changed").exists()


def test_the_weights_page_also_needs_the_confirmation(login, book, members_a, firm_a):
    client = login(members_a[Role.FIRM_ADMIN])
    model = book["model"]
    with firm_scope(firm_a):
        t1, t2 = ModelTarget.objects.filter(model=model).order_by("pk")
    url = reverse("drift:model_change", args=[model.pk])
    data = {f"w_{t1.pk}": "50", f"w_{t2.pk}": "50"}
    client.post(url, {**data, "action": "apply"})
    with firm_scope(firm_a):
        assert ModelTarget.objects.get(pk=t1.pk).weight == Decimal("60")
    confirm = client.post(url, {**data, "action": "preview"}).context["confirm"]
    assert client.post(url, {**data, "action": "apply", "confirm": confirm}).status_code == 302
    with firm_scope(firm_a):
        assert ModelTarget.objects.filter(model=model).first().weight == Decimal("50")


def test_retire_lists_the_accounts_and_the_model_is_never_assigned_again(
    login, book, members_a, firm_a
):
    client = login(members_a[Role.COMMITTEE_MEMBER])
    model = book["model"]
    url = reverse("drift:model_retire", args=[model.pk])
    page = client.get(url)
    body = page.content.decode()
    assert (
        all(a.number in body for a in book["accounts"]) and "2 accounts are on this model" in body
    )
    client.post(url, {})  # no confirmation: nothing
    with firm_scope(firm_a):
        assert ModelPortfolio.objects.get(pk=model.pk).retired_at is None
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    with firm_scope(firm_a):
        assert ModelPortfolio.objects.get(pk=model.pk).is_retired
        assert AuditEntry.objects.filter(event="model.retired").exists()
    # Retired: its holdings no longer change.
    assert client.get(reverse("drift:model_edit", args=[model.pk])).status_code == 302

    # The import refuses to put another account on it; an account already on it keeps it.
    custodian = book["custodian"].code
    kept, new = book["accounts"][0].number, "NEW-1"
    head = (
        "account_number,client_name,client_email,advisor_email,registration,tax_status,"
        "custodian,segment,risk_profile,model\n"
    )
    row = "{},Jo Roe,jo@example.test,,taxable,taxable,{},growth,growth,Balanced 60/40\n"
    with firm_scope(firm_a):
        from portfolios.importer import book_import

        result = book_import(
            firm=firm_a,
            files={
                "accounts": (
                    head + row.format(kept, custodian) + row.format(new, custodian)
                ).encode()
            },
            source="test",
        )
    assert not result.ok
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "model", 'model "Balanced 60/40" is retired; choose an active model')
    ]


def test_an_advisor_gets_a_styled_403_on_the_model_editor(login, book, members_a):
    client = login(members_a[Role.ADVISOR])
    for name in ("drift:model_edit", "drift:model_retire", "drift:model_change"):
        page = client.get(reverse(name, args=[book["model"].pk]))
        assert page.status_code == 403
        assert "You do not have access" in page.content.decode()
    assert client.get(reverse("drift:model_new")).status_code == 403


def test_another_firms_model_is_a_404(login, book, members_b):
    client = login(members_b[Role.FIRM_ADMIN])
    for name in ("drift:model_edit", "drift:model_retire"):
        assert client.get(reverse(name, args=[book["model"].pk])).status_code == 404
    with firm_scope(book["model"].firm_id):
        assert Account.objects.count() == 2


def test_add_a_holding_row_without_script_saves_nothing(login, book, members_a, firm_a):
    client = login(members_a[Role.FIRM_ADMIN])
    rows = [{"security": book["stock"].pk, "weight": "100"}]
    page = client.post(
        reverse("drift:model_new"), {"name": "One fund", **_holdings(rows), "action": "add_row"}
    )
    assert page.status_code == 200
    assert 'name="h-TOTAL_FORMS" value="2"' in page.content.decode()
    with firm_scope(firm_a):
        assert not ModelPortfolio.objects.filter(name="One fund").exists()
