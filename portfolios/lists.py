"""The accounts list as core.lists declares it: columns, search, sort, filters, CSV cells."""

from core.lists import Column, Filter, ListSpec

from .choices import Registration, Segment
from .models import Account, ModelPortfolio
from .selectors import advisor_options


def _advisor_name(account) -> str:
    return account.advisor.display_name if account.advisor else ""


ACCOUNTS = ListSpec(
    name="accounts",
    columns=(
        Column("number", "Account", "number", lambda a: a.number),
        Column("client", "Client", "client__name", lambda a: a.client.name),
        Column(
            "registration", "Registration", "registration", lambda a: a.get_registration_display()
        ),
        Column("segment", "Segment", "segment", lambda a: a.get_segment_display()),
        Column("model", "Model", "model__name", lambda a: a.model.name),
        Column("custodian", "Custodian", "custodian__name", lambda a: a.custodian.name),
        Column("advisor", "Advisor", "advisor__user__last_name", _advisor_name),
    ),
    search=("number", "client__name"),
    filters=(
        Filter("advisor", "Advisor", "advisor_id", kind="id"),
        Filter("model", "Model", "model_id", kind="id"),
        Filter("segment", "Segment", "segment", choices=tuple(Segment.choices)),
        Filter("registration", "Registration", "registration", choices=tuple(Registration.choices)),
    ),
    default_sort="number",
)


def accounts_for_list():
    """One query for a page's accounts with everything a row shows (only those columns)."""
    return Account.objects.select_related("client", "model", "custodian", "advisor__user").only(
        *("number", "registration", "segment", "client__name", "model__name", "custodian__name"),
        *("client", "model", "custodian", "advisor", "advisor__user"),
        *(f"advisor__user__{f}" for f in ("first_name", "last_name", "email")),
    )


def book_filter_options() -> dict:
    """The advisor and model filters' options (two queries), shared by the book's lists."""
    return {
        "advisor": [(a.pk, a.display_name) for a in advisor_options()],
        "model": list(ModelPortfolio.objects.order_by("name").values_list("pk", "name")),
    }
