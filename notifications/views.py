"""Notification pages: the template editor with live preview and test send, and the outbox.

Email HTML is shown in a sandboxed iframe served by its own view, whose response allows the
inline styles emails need and nothing else (no scripts; CSP sandbox)."""

from functools import wraps

from csp.decorators import csp_replace
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods

from firms.views import staff_required

from .choices import Kind, MessageStatus
from .forms import TemplateForm
from .models import OutboundMessage
from .selectors import may_edit_templates, outbox_messages, template_for, templates_overview
from .services.messages import notification_render, notification_test_send
from .services.templates import notification_template_reset, notification_template_save
from .templating.fields import FIELDS
from .templating.merge import MergeSyntaxError
from .templating.samples import sample_facts


def template_editor_required(view):
    """Firm admins always; advisors if the firm allows (selectors.may_edit_templates)."""

    @staff_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_edit_templates(request.membership):
            raise PermissionDenied(
                "Only firm admins (and advisors, if the firm allows it) edit email templates."
            )
        return view(request, *args, **kwargs)

    return wrapped


EMAIL_FRAME_CSP = {
    "style-src": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:", "https:"],
    "frame-ancestors": ["'self'"],
    "script-src": ["'none'"],
    "sandbox": ["allow-popups", "allow-popups-to-escape-sandbox"],
}


def email_frame(view):
    """For views returning an email's HTML: framable by our pages only, inline styles, no script."""
    return xframe_options_sameorigin(csp_replace(EMAIL_FRAME_CSP)(view))


def _kind(kind: str) -> str:
    if kind not in Kind.values:
        raise Http404("No such kind of email.")
    return kind


class Draft:
    def __init__(self, data):
        self.subject, self.body_html, self.body_text = (
            data["subject"],
            data["body_html"],
            data["body_text"],
        )


@template_editor_required
def template_list(request):
    return render(request, "notifications/template_list.html", {"rows": templates_overview()})


def _editor_action(request, kind: str, form: TemplateForm):
    action = request.POST.get("action")
    if action == "reset":
        notification_template_reset(firm=request.firm, actor=request.membership, kind=kind)
        messages.success(request, "Back to the standard wording.")
        return redirect("notifications:template_edit", kind=kind)
    if not form.is_valid():
        return None
    if action == "test":
        message = notification_test_send(
            firm=request.firm,
            member=request.membership,
            kind=kind,
            scenario=form.cleaned_data["scenario"] or "small",
            template=Draft(form.cleaned_data),
        )
        messages.success(request, f"A test is on its way to {message.recipient}.")
        return redirect("notifications:message", pk=message.pk)
    notification_template_save(
        firm=request.firm,
        actor=request.membership,
        kind=kind,
        **{k: form.cleaned_data[k] for k in ("subject", "body_html", "body_text")},
    )
    messages.success(request, "Template saved.")
    return redirect("notifications:template_edit", kind=kind)


@template_editor_required
@require_http_methods(["GET", "POST"])
def template_edit(request, kind: str):
    kind = _kind(kind)
    current = template_for(kind)
    if request.method == "POST":
        form = TemplateForm(request.POST)
        done = _editor_action(request, kind, form)
        if done:
            return done
    else:
        form = TemplateForm(
            initial={
                "subject": current.subject,
                "body_html": current.body_html,
                "body_text": current.body_text,
                "scenario": "small",
            }
        )
    return render(
        request,
        "notifications/template_edit.html",
        {
            "kind": kind,
            "label": Kind(kind).label,
            "form": form,
            "is_default": getattr(current, "is_default", False),
            "fields": FIELDS.values(),
        },
    )


@template_editor_required
@email_frame
@require_http_methods(["GET", "POST"])
def template_preview(request, kind: str):
    """The email as the client would get it, for the draft in the editor (POST) or as saved
    (GET)."""
    kind = _kind(kind)
    form = TemplateForm(request.POST or None)
    template, scenario = template_for(kind), request.GET.get("scenario", "small")
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "notifications/preview_errors.html", {"form": form})
        template, scenario = Draft(form.cleaned_data), form.cleaned_data["scenario"] or "small"
    try:
        email = notification_render(
            firm=request.firm,
            kind=kind,
            template=template,
            facts=sample_facts(scenario, firm_name=request.firm.name),
        )
    except MergeSyntaxError as error:  # a saved template that no longer validates
        return render(request, "notifications/preview_errors.html", {"errors": error.errors})
    return HttpResponse(email.html)


@staff_required
def outbox(request):
    status = request.GET.get("status") if request.GET.get("status") in MessageStatus.values else ""
    kind = request.GET.get("kind") if request.GET.get("kind") in Kind.values else ""
    page = Paginator(outbox_messages(status=status, kind=kind), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/outbox.html",
        {
            "page": page,
            "status": status,
            "kind": kind,
            "statuses": MessageStatus.choices,
            "kinds": Kind.choices,
        },
    )


@staff_required
def message_detail(request, pk: int):
    message = get_object_or_404(OutboundMessage, pk=pk)
    return render(request, "notifications/message_detail.html", {"message": message})


@staff_required
@email_frame
def message_html(request, pk: int):
    """The HTML part exactly as stored; links open outside the frame."""
    message = get_object_or_404(OutboundMessage, pk=pk)
    return HttpResponse(message.body_html.replace("<head>", '<head>\n<base target="_blank">', 1))
