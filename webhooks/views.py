"""Webhook pages for firm administrators: endpoints (create, edit, pause, resume, rotate the
secret, shown once), and the delivery log with replay. Thin: the services do the work."""

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from firms.choices import Role
from firms.views import role_required

from .choices import DeliveryStatus, EventType
from .forms import EndpointForm
from .models import WebhookDelivery, WebhookEndpoint
from .selectors import deliveries_list, delivery_attempts, endpoints_list
from .services.delivery import DeliveryBusy, webhook_delivery_replay
from .services.endpoints import (
    EndpointInvalid,
    webhook_endpoint_create,
    webhook_endpoint_pause,
    webhook_endpoint_resume,
    webhook_endpoint_rotate,
    webhook_endpoint_update,
)

admin_required = role_required(Role.FIRM_ADMIN)
PAGE = 50


def _secret_page(request, endpoint, created: bool):
    """The only response that ever shows the secret (not cached)."""
    response = render(request, "webhooks/secret.html", {"endpoint": endpoint, "created": created})
    response["Cache-Control"] = "no-store"
    return response


@admin_required
def endpoints(request):
    return render(
        request,
        "webhooks/endpoints.html",
        {"endpoints": endpoints_list(), "event_types": EventType.choices},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def endpoint_new(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhook_endpoint_create(
                firm_id=request.firm.pk,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                event_types=form.cleaned_data["event_types"],
                actor=request.user,
            )
        except EndpointInvalid as exc:
            form.add_error(exc.field, exc.message)
        else:
            return _secret_page(request, endpoint, created=True)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": None})


def _page(request, qs):
    return Paginator(qs, PAGE).get_page(request.GET.get("page"))


@admin_required
@require_http_methods(["GET", "POST"])
def endpoint_detail(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            webhook_endpoint_update(
                endpoint_id=endpoint.pk,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                event_types=form.cleaned_data["event_types"],
                actor=request.user,
            )
        except EndpointInvalid as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("webhooks:endpoint", pk=endpoint.pk)
    return render(
        request,
        "webhooks/endpoint_form.html",
        {
            "form": form,
            "endpoint": endpoint,
            "now": timezone.now(),
            "page": _page(request, deliveries_list(endpoint_id=endpoint.pk)),
        },
    )


@admin_required
@require_POST
def endpoint_pause(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    _e, changed = webhook_endpoint_pause(endpoint_id=endpoint.pk, actor=request.user)
    messages.success(
        request,
        "Paused: nothing is sent to it until you resume; events of the pause are not queued."
        if changed
        else "It was already paused.",
    )
    return redirect("webhooks:endpoint", pk=endpoint.pk)


@admin_required
@require_POST
def endpoint_resume(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    _e, changed = webhook_endpoint_resume(endpoint_id=endpoint.pk, actor=request.user)
    messages.success(
        request,
        "Resumed: deliveries waiting for it go out now." if changed else "It was already active.",
    )
    return redirect("webhooks:endpoint", pk=endpoint.pk)


@admin_required
@require_POST
def endpoint_rotate(request, pk: int):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    return _secret_page(
        request, webhook_endpoint_rotate(endpoint_id=endpoint.pk, actor=request.user), False
    )


def _choice(value, choices) -> str:
    return value if value in choices else ""


@admin_required
def deliveries(request):
    status = _choice(request.GET.get("status"), DeliveryStatus.values)
    event_type = _choice(request.GET.get("type"), EventType.values)
    endpoint_id = request.GET.get("endpoint", "")
    endpoint_id = int(endpoint_id) if endpoint_id.isdigit() else None
    qs = deliveries_list(endpoint_id=endpoint_id, status=status or None, event_type=event_type)
    return render(
        request,
        "webhooks/deliveries.html",
        {
            "page": _page(request, qs),
            "status": status,
            "type": event_type,
            "endpoint_id": endpoint_id or "",
            "statuses": DeliveryStatus.choices,
            "event_types": EventType.choices,
        },
    )


@admin_required
def delivery_detail(request, pk: int):
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("event", "endpoint"), pk=pk)
    return render(
        request,
        "webhooks/delivery_detail.html",
        {
            "delivery": delivery,
            "body": json.dumps(
                {
                    "type": delivery.event.type,
                    "timestamp": delivery.event.created_at.isoformat(),
                    "data": delivery.event.data,
                },
                indent=2,
                sort_keys=True,
            ),
            "attempts": delivery_attempts(delivery.pk)[:100],
        },
    )


@admin_required
@require_POST
def delivery_replay(request, pk: int):
    if not WebhookDelivery.objects.filter(pk=pk).exists():
        raise Http404("No such delivery.")
    try:
        webhook_delivery_replay(delivery_id=pk, actor=request.user)
    except DeliveryBusy as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Queued again, with the same webhook-id.")
    return redirect("webhooks:delivery", pk=pk)
