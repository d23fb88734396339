"""The client's own pages. A client sees only the accounts of their own Client record."""
from django.shortcuts import render

from firms.access import client_required
from portfolios.charts import grouped_bars
from portfolios.models import Account
from portfolios.selectors import account_allocation, account_holdings


@client_required
def home(request):
    accounts = Account.objects.filter(client__user=request.user).select_related("model").order_by("number")
    cards = []
    for account in accounts:  # a client has a handful of accounts, not thousands
        total, allocation = account_allocation(account, account_holdings(account))
        chart = grouped_bars(
            [(row.label, row.current_pct, row.target_pct) for row in allocation],
            title=f"Account ending {account.number[-4:]}: current vs target",
        )
        cards.append({"account": account, "total": total, "allocation": allocation, "chart": chart})
    return render(request, "portal/home.html", {"cards": cards})
