"""Read-only REST endpoints for the firm's outbox (firm-scoped managers)."""

from rest_framework import serializers, viewsets

from .choices import Kind, MessageStatus
from .models import OutboundMessage


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
