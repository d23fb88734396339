"""REST endpoints for approvals: where each proposal stands, step by step (read-only), and the
firm's routing tiers (set-up).

Decisions stay in the dashboard and the portal (they need a person, a session and, for
clients, an e-signature); there is no API route that could approve part of a proposal."""

from rest_framework import serializers, viewsets

from firms.api import SetupCreateMixin, SetupUpdateMixin, SetupViewSet
from firms.choices import Role

from .choices import StepRole
from .forms import RoutingRuleForm
from .models import Approval, ApprovalStep, RoutingRule
from .services.routing_rules import routing_rule_save


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


# --- set-up: routing tiers (the firm administrator writes) ----------------------------------


class RoutingRuleSerializer(serializers.ModelSerializer):
    steps = serializers.ListField(
        child=serializers.ChoiceField(choices=StepRole.choices),
        help_text="In order; internal steps first, the client's consent last.",
    )

    class Meta:
        model = RoutingRule
        fields = [
            "id",
            "name",
            "kind",
            "min_value",
            "max_value",
            "steps",
            "window_amount",
            "window_unit",
        ]


class RoutingRuleViewSet(SetupCreateMixin, SetupUpdateMixin, SetupViewSet):
    """The firm's routing tiers: value tiers (bounds inclusive, never overlapping) and the
    institutional tier."""

    serializer_class = RoutingRuleSerializer
    form_class = RoutingRuleForm
    write_roles = frozenset({Role.FIRM_ADMIN})

    def get_queryset(self):
        return RoutingRule.objects.order_by("kind", "min_value")

    def save(self, form):
        return routing_rule_save(rule=form.save(commit=False), actor=self.request.user)
