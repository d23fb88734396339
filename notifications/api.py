"""REST endpoints of notifications: the firm's outbox (read-only) and its email templates."""

from rest_framework import serializers, viewsets

from firms.api import SetupUpdateMixin, SetupViewSet

from .choices import Kind, MessageStatus
from .forms import TemplateForm
from .models import NotificationTemplate, OutboundMessage
from .selectors import may_edit_templates
from .services.templates import notification_template_save


class OutboundMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboundMessage
        fields = [
            "id",
            "kind",
            "recipient",
            "subject",
            "status",
            "attempts",
            "last_error",
            "next_attempt_at",
            "sent_at",
            "created_at",
            "proposal",
            "proposal_version",
            "proposal_hash",
        ]


class OutboundMessageViewSet(viewsets.ReadOnlyModelViewSet):
    """The firm's emails; filter with ?status= and ?kind=."""

    serializer_class = OutboundMessageSerializer

    def get_queryset(self):
        qs = OutboundMessage.objects.defer("body_html", "body_text").order_by("-created_at", "-pk")
        status, kind = (
            self.request.query_params.get("status"),
            self.request.query_params.get("kind"),
        )
        if status in MessageStatus.values:
            qs = qs.filter(status=status)
        if kind in Kind.values:
            qs = qs.filter(kind=kind)
        return qs


# --- set-up: the firm's email templates ---------------------------------------------------


class TemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = NotificationTemplate
        fields = ["id", "kind", "subject", "body_text", "body_html", "updated_at"]
        read_only_fields = ["kind", "updated_at"]


class TemplateViewSet(SetupUpdateMixin, SetupViewSet):
    """The firm's email wording per kind (merge fields checked as in the editor). Firm
    administrators write; advisors too when the firm allows it."""

    serializer_class = TemplateSerializer
    form_class = TemplateForm

    def get_queryset(self):
        return NotificationTemplate.objects.order_by("kind")

    def may_write(self, membership) -> bool:
        return may_edit_templates(membership)

    def form_kwargs(self, instance) -> dict:
        return {"initial": {f: getattr(instance, f) for f in ("subject", "body_html", "body_text")}}

    def save(self, form):
        return notification_template_save(
            firm=self.request.firm,
            actor=self.request.membership,
            kind=self.get_object().kind,
            **{k: form.cleaned_data[k] for k in ("subject", "body_html", "body_text")},
        )
