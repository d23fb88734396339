"""Staff pages for the book: accounts list and an account's allocation."""

import html

from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, render

from firms.access import staff_required
from firms.precompiled import Precompiled

from .charts import grouped_bars
from .choices import Segment
from .display import html_rows
from .models import Account, ModelPortfolio
from .selectors import (
    ACCOUNT_ROW_FIELDS,
    account_allocation,
    account_holdings,
    account_rows,
    advisor_options,
)

PAGE_SIZE = 50
# One row of portfolios/account_list.html's table (the text its former `{% for %}` printed),
# formatted by portfolios.display.html_rows: values escaped, `*_html` markup as is.
ACCOUNT_ROW_HTML = """
    <tr>
      <td><a href="{url}">{number}</a></td>
      <td>{client}</td>
      <td>{registration}</td>
      <td>{segment}</td>
      <td>{model}</td>
      <td>{custodian}</td>
      <td>{advisor_html}</td>
    </tr>
  """
_NO_ADVISOR = '<span class="muted">—</span>'
# The list's filter options, compiled once per process (firms.precompiled).
_models_with_counts = Precompiled(
    lambda: ModelPortfolio.objects.annotate(n=Count("accounts")).order_by("name"), 0
)


def _account_row(row: dict) -> dict:
    return {**row, "advisor_html": html.escape(row["advisor"]) if row["advisor"] else _NO_ADVISOR}


def _filtered_accounts(request):
    accounts = Account.objects.all()
    chosen = {}
    for param, field in (("advisor", "advisor_id"), ("model", "model_id")):
        value = request.GET.get(param, "")
        if value.isdigit():
            accounts = accounts.filter(**{field: int(value)})
            chosen[param] = int(value)
    segment = request.GET.get("segment", "")
    if segment in Segment.values:
        accounts = accounts.filter(segment=segment)
        chosen["segment"] = segment
    return accounts.order_by("number"), chosen


@staff_required
def account_list(request):
    accounts, chosen = _filtered_accounts(request)
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    advisors = advisor_options()
    models = _models_with_counts()
    rows = account_rows(
        page.object_list.values(*ACCOUNT_ROW_FIELDS),
        model_names={m.pk: m.name for m in models},
        advisor_names={a.pk: a.display_name for a in advisors},
    )
    context = {
        "page": page,
        "rows": rows,
        "rows_html": html_rows(ACCOUNT_ROW_HTML, map(_account_row, rows)),
        "chosen": chosen,
        "advisors": advisors,
        "models": models,
        "segments": Segment.choices,
        "querystring": "&".join(f"{k}={v}" for k, v in chosen.items()),
    }
    return render(request, "portfolios/account_list.html", context)


@staff_required
def account_detail(request, pk: int):
    account = get_object_or_404(
        Account.objects.select_related("client", "model", "custodian", "advisor__user"), pk=pk
    )
    holdings = account_holdings(account)
    total, allocation = account_allocation(account, holdings)
    chart = grouped_bars(
        [(row.label, row.current_pct, row.target_pct) for row in allocation],
        title=f"Account {account.number}: current vs target allocation",
    )
    return render(
        request,
        "portfolios/account_detail.html",
        {
            "account": account,
            "holdings": holdings,
            "total": total,
            "allocation": allocation,
            "chart": chart,
        },
    )
