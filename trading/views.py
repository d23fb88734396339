"""Trading pages: batches, the dry run, and the kill switch. Thin views over services; and the
context processor that shows the kill switch's banner on every staff page."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.formatting import count
from core.formatting import day as human_day
from core.lists import list_csv, list_read, wants_csv
from drift.models import Proposal
from firms.permissions import Action, action_required, roles_for
from firms.views import confirm_page, confirmed, staff_required
from portfolios.choices import Side

from .calc.schedule import market_open
from .choices import BatchTrigger, OrderStatus, OrderType
from .forms import PauseForm, ReasonForm
from .lists import ORDERS, orders_for_list
from .models import Batch, BlockOrder, ExecutionPause, Order
from .selectors import (
    active_pause_list,
    approved_waiting,
    batch_list,
    firm_pause_open,
    held_block_list,
)
from .services.batch import BatchBusy, batch_run
from .services.control import (
    ControlRefused,
    execution_pause,
    execution_resume,
    proposal_hold,
    proposal_release,
)
from .services.preview import batch_preview, next_batch_date

CONTROL_ROLES = roles_for(Action.TRADING_CONTROLS)
controls_required = action_required(Action.TRADING_CONTROLS)
pauses_required = action_required(Action.PAUSES)
ORDERS_PER_PAGE = 100


def execution_banner_context(request):
    """Context processor (settings.TEMPLATES): the firm's open firm-wide pause (or None) for
    base.html's banner, on staff pages only."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_staff_role:
        return {}
    return {"execution_pause": firm_pause_open()}


@staff_required
def trading_home(request):
    page = Paginator(batch_list(), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "trading/home.html",
        {
            "page": page,
            "pauses": list(active_pause_list()),
            "pause_form": PauseForm(),
            "held": approved_waiting()[:50],
            "paused_blocks": list(held_block_list()[:200]),
            "can_control": request.membership.role in CONTROL_ROLES,
        },
    )


@staff_required
def order_list(request):
    from portfolios.lists import book_filter_options

    state = list_read(request, ORDERS, orders_for_list(), book_filter_options())
    if wants_csv(request):
        return list_csv(state)
    return render(request, "trading/orders.html", {"list": state, "page": state.page})


@staff_required
def batch_detail(request, pk: int):
    batch = get_object_or_404(Batch, pk=pk)
    orders = (
        Order.objects.filter(batch=batch)
        .select_related("account", "security", "block")
        .order_by("status", "pk")
    )
    if request.GET.get("problems") == "1":
        orders = orders.exclude(status=OrderStatus.FILLED)
    return render(
        request,
        "trading/batch_detail.html",
        {
            "batch": batch,
            "blocks": BlockOrder.objects.filter(batch=batch)
            .select_related("custodian", "security")
            .order_by("pk"),
            "orders": Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page")),
        },
    )


@staff_required
def dry_run(request):
    preview = batch_preview(firm_id=request.firm.pk, trade_date=next_batch_date(timezone.now()))
    return render(
        request,
        "trading/dry_run.html",
        {
            "p": preview,
            "blocks": _labelled(preview.blocks).to_dict("records"),
            "held": _labelled(preview.orders[preview.orders["status"] == OrderStatus.HELD]).to_dict(
                "records"
            ),
            "orders": _labelled(preview.orders.head(500)).to_dict("records"),
            "order_count": len(preview.orders),
        },
    )


_LABELS = {
    "side": dict(Side.choices),
    "order_type": dict(OrderType.choices),
    "status": dict(OrderStatus.choices),
}


def _labelled(frame):
    """The preview's coded columns (side, order type, status) as their labels, for the page."""
    return frame.assign(
        **{
            col: frame[col].map(lambda v, m=m: m.get(v, v))
            for col, m in _LABELS.items()
            if col in frame
        }
    )


@controls_required
@require_POST
def run_now(request):
    day = market_open(timezone.now())
    if day is None:
        messages.error(
            request, "The market is closed: a batch can only be run during market hours."
        )
        return redirect("trading:home")
    try:
        batch = batch_run(
            firm_id=request.firm.pk,
            trade_date=day,
            trigger=BatchTrigger.MANUAL,
            actor=request.user,
            again=True,
        )
    except BatchBusy as exc:
        messages.error(request, str(exc))
        return redirect("trading:home")
    messages.success(
        request, f"Batch of {human_day(day)}: {batch.get_status_display()}. {batch.note}"
    )
    return redirect("trading:batch", pk=batch.pk)


@pauses_required
@require_POST
def pause(request):
    form = PauseForm(request.POST)
    if form.is_valid() and not confirmed(request):
        d = form.cleaned_data
        what = d["target"] if d.get("target") is not None else "the whole firm"
        return confirm_page(
            request,
            title="Pause automated execution?",
            lines=[
                f"Pausing stops the trade batch from sending orders for {what} until resumed.",
                f"Reason, recorded in the audit trail: “{d['reason']}”",
            ],
            button="Confirm: pause execution",
            cancel=reverse("trading:home"),
        )
    if form.is_valid():
        d = form.cleaned_data
        execution_pause(
            by=request.membership, scope=d["scope"], target=d["target"], reason=d["reason"]
        )
        messages.warning(request, "Execution paused.")
    else:
        messages.error(
            request, "Not paused: " + "; ".join(e for errs in form.errors.values() for e in errs)
        )
    return redirect("trading:home")


@pauses_required
def resume(request, pk: int):
    paused = get_object_or_404(ExecutionPause, pk=pk)
    if request.method == "POST" and not confirmed(request):
        return confirm_page(
            request,
            title="Resume automated execution?",
            lines=[f"The pause “{paused.reason}” ends: paused work joins the next batch."],
            button="Confirm: resume execution",
            cancel=reverse("trading:home"),
        )
    if request.method == "POST":
        execution_resume(by=request.membership, pause=paused)
        held = held_block_list().count()
        messages.success(
            request,
            "Execution resumed; paused work joins the next batch."
            + (
                f" {count(held, 'block')} a pause stopped mid-batch "
                f"{'goes' if held == 1 else 'go'} out with it: the next scheduled batch, or "
                "“Run the batch now”."
                if held
                else ""
            ),
        )
    return redirect("trading:home")


@controls_required
def hold(request, pk: int):
    proposal = get_object_or_404(Proposal, pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal_hold(
                by=request.membership, proposal=proposal, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request, f"Proposal v{proposal.version} of {proposal.account.number} held."
            )
        except ControlRefused as exc:
            messages.error(request, str(exc))
    elif request.method == "POST":
        messages.error(request, "A hold needs a reason.")
    return redirect("trading:home")


@controls_required
def release(request, pk: int):
    proposal = get_object_or_404(Proposal, pk=pk)
    if request.method == "POST" and proposal_release(by=request.membership, proposal=proposal):
        messages.success(
            request,
            f"Proposal v{proposal.version} of {proposal.account.number} released; "
            "it joins the next batch.",
        )
    return redirect("trading:home")
