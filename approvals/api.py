"""Read-only REST endpoints for approvals: where each proposal stands, step by step.

Decisions stay in the dashboard and the portal (they need a person, a session and, for
clients, an e-signature); there is no API route that could approve part of a proposal."""

from rest_framework import serializers, viewsets

from .models import Approval, ApprovalStep


class StepSerializer(serializers.ModelSerializer):
    actor_email = serializers.EmailField(source="actor.email", default=None)

    class Meta:
        model = ApprovalStep
        fields = ["position", "role", "status", "quorum", "actor_email", "acted_at", "comment"]


class ApprovalSerializer(serializers.ModelSerializer):
    account_number = serializers.CharField(source="proposal.account.number")
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = Approval
        fields = [
            "id",
            "proposal",
            "account_number",
            "version",
            "content_hash",
            "tier",
            "status",
            "started_at",
            "deadline",
            "reminder_sent_at",
            "escalated_at",
            "decided_at",
            "reason",
            "routing_note",
            "steps",
        ]


class ApprovalViewSet(viewsets.ReadOnlyModelViewSet):
    """Approvals of the caller's firm; filter with ?status=pending."""

    serializer_class = ApprovalSerializer

    def get_queryset(self):
        approvals = (
            Approval.objects.select_related("proposal__account")
            .prefetch_related("steps__actor")
            .order_by("-started_at")
        )
        if status := self.request.query_params.get("status"):
            approvals = approvals.filter(status=status)
        return approvals
