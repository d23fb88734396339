"""REST endpoints for compliance: a proposal's checks, the officer's decisions, and the routing
gate (409 while compliance has not cleared the proposal)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Prefetch
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from drift.models import Proposal
from firms.permissions import Action, require
from firms.views import account_action_check

from .choices import ReviewStatus
from .models import CheckResult, ComplianceReview
from .services.guard import ProposalNotRoutable, proposal_assert_routable
from .services.regenerate import RegenerateRefused, proposal_regenerate_substitute
from .services.review import ReviewRefused, review_override, review_reject


class CheckResultOut(serializers.ModelSerializer):
    class Meta:
        model = CheckResult
        fields = ["kind", "severity", "passed", "message", "figures", "suggestion", "checked_at"]


class ReviewOut(serializers.ModelSerializer):
    officer = serializers.CharField(source="officer.display_name", default=None)
    status = serializers.CharField(help_text="clear / flagged / blocked / overridden / rejected")

    class Meta:
        model = ComplianceReview
        fields = ["status", "checked_at", "officer", "reason", "decided_at"]


class ProposalComplianceOut(serializers.ModelSerializer):
    account = serializers.CharField(source="account.number")
    status = serializers.CharField(help_text="The proposal's state (drift.ProposalStatus).")
    review = ReviewOut(source="compliance_review", default=None)
    checks = CheckResultOut(source="check_results", many=True)

    class Meta:
        model = Proposal
        fields = ["id", "account", "version", "status", "review", "checks"]


class RegenerateIn(serializers.Serializer):
    """No fields: the stored suggestion says what to replace."""


class DecisionIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ProposalComplianceViewSet(viewsets.ReadOnlyModelViewSet):
    """`/proposals/` lists the review queue (flagged and blocked); `/proposals/{id}/` shows any
    proposal's checks."""

    serializer_class = ProposalComplianceOut

    def get_queryset(self):
        qs = (
            Proposal.objects.select_related("account", "compliance_review__officer__user")
            .prefetch_related(
                Prefetch("check_results", queryset=CheckResult.objects.order_by("kind"))
            )
            .order_by("pk")
        )
        if self.action == "list":
            qs = qs.filter(
                compliance_review__status__in=[ReviewStatus.FLAGGED, ReviewStatus.BLOCKED]
            )
        return qs

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if "pk" in kwargs:  # another firm's id is a 404 whatever the method
            self.get_object()

    def _require(self, action):
        try:
            require(self.request.membership, action)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None

    def _review(self) -> ComplianceReview | None:
        return ComplianceReview.objects.filter(proposal=self.get_object()).first()

    def _conflict(self, message: str) -> Response:
        return Response({"detail": message}, status=status.HTTP_409_CONFLICT)

    @action(detail=True, methods=["get"])
    def routable(self, request, pk=None):
        """200 when the proposal may be routed and sent; 409 with the reason when not."""
        try:
            proposal_assert_routable(self.get_object())
        except ProposalNotRoutable as exc:
            return self._conflict(str(exc))
        return Response({"routable": True})

    @action(detail=True, methods=["post"], serializer_class=DecisionIn)
    def override(self, request, pk=None):
        self._require(Action.COMPLIANCE_DECIDE)
        data = self._decision(request)
        review = self._review()
        if review is None:
            return self._conflict("Compliance has not checked this proposal yet.")
        if not data["reason"].strip():
            return Response(
                {"reason": ["An override needs a written reason."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            review_override(review=review, officer=request.membership, reason=data["reason"])
        except ReviewRefused as exc:
            return self._conflict(str(exc))
        return Response(ProposalComplianceOut(self.get_object()).data)

    @action(detail=True, methods=["post"], serializer_class=DecisionIn)
    def reject(self, request, pk=None):
        self._require(Action.COMPLIANCE_DECIDE)
        data = self._decision(request)
        review = self._review()
        if review is None:
            return self._conflict("Compliance has not checked this proposal yet.")
        try:
            review_reject(review=review, officer=request.membership, reason=data["reason"])
        except ReviewRefused as exc:
            return self._conflict(str(exc))
        return Response(ProposalComplianceOut(self.get_object()).data)

    @action(detail=True, methods=["post"], serializer_class=RegenerateIn)
    def regenerate(self, request, pk=None):
        """Apply the wash-sale substitute: a new version (201), checked next."""
        self._require(Action.COMPLIANCE_REBUILD)
        proposal = self.get_object()
        account_action_check(request.membership, proposal.account.advisor_id)
        try:
            new = proposal_regenerate_substitute(proposal=proposal, actor=request.membership)
        except RegenerateRefused as exc:
            return self._conflict(str(exc))
        return Response(
            {"id": new.pk, "version": new.version, "status": new.status},
            status=status.HTTP_201_CREATED,
        )

    def _decision(self, request) -> dict:
        s = DecisionIn(data=request.data)
        s.is_valid(raise_exception=True)
        return s.validated_data
