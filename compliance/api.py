"""REST endpoints for compliance: a proposal's checks, the officer's decisions, and the routing
gate (409 while compliance has not cleared the proposal)."""

from abc import abstractmethod

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from drift.models import ComplianceRule, Proposal
from firms.api import SetupCreateMixin, SetupUpdateMixin, SetupViewSet
from firms.choices import COMPLIANCE_ROLES
from firms.permissions import Action, require
from firms.views import account_action_check
from portfolios.models import Security, SubstantiallyIdenticalPair, Substitute

from .choices import ReviewStatus
from .forms import PairForm, RuleForm, SubstituteForm
from .models import CheckResult, ComplianceReview
from .services.guard import ProposalNotRoutable, proposal_assert_routable
from .services.regenerate import RegenerateRefused, proposal_regenerate_substitute
from .services.review import ReviewRefused, review_override, review_reject
from .services.rules import (
    compliance_rule_save,
    identical_pair_add,
    identical_pair_remove,
    substitute_add,
    substitute_remove,
)


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


# --- set-up: compliance rules, substitutes, substantially identical pairs -------------------


class ComplianceRuleOut(serializers.ModelSerializer):
    params = serializers.JSONField(
        help_text='The kind\'s parameters (docs/ARCHITECTURE.md, "Compliance checks"). To change '
        "them, send them as fields of their own: window_days; max_pct, security_types, "
        "exempt_diversified; min_cash_amount, min_cash_pct; <profile>_min and <profile>_max per "
        "risk profile."
    )

    class Meta:
        model = ComplianceRule
        fields = ["id", "kind", "severity", "enabled", "params", "updated_at"]
        read_only_fields = ["kind", "params", "updated_at"]


class ComplianceRuleViewSet(SetupUpdateMixin, SetupViewSet):
    """One rule per kind (every firm has all four); change severity, on/off and parameters."""

    serializer_class = ComplianceRuleOut
    form_class = RuleForm
    write_roles = COMPLIANCE_ROLES

    def get_queryset(self):
        return ComplianceRule.objects.order_by("kind")

    def save(self, form):
        return compliance_rule_save(rule=form.save(commit=False), actor=self.request.user)


class SubstituteOut(serializers.ModelSerializer):
    security = serializers.CharField(source="security.symbol")
    substitute = serializers.CharField(source="substitute.symbol")

    class Meta:
        model = Substitute
        fields = ["id", "security", "substitute", "rank"]


class _SecurityRowsViewSet(SetupCreateMixin, SetupViewSet):
    """Rows that name two securities (substitutes, identical pairs): the page's form takes
    security ids, the API also takes symbols; a write goes through the row's service (`add`,
    `remove`), whose refusal comes back as a 400 naming the problem."""

    fields_by_symbol: tuple[str, ...] = ()
    write_roles = COMPLIANCE_ROLES

    def symbols_to_ids(self, data) -> dict:
        data = dict(data.items()) if hasattr(data, "items") else dict(data)
        for name in self.fields_by_symbol:
            value = data.get(name)
            if isinstance(value, str) and not value.isdigit():
                found = Security.objects.filter(symbol=value.strip().upper()).first()
                data[name] = found.pk if found else value
        return data

    def form_kwargs(self, instance) -> dict:
        return {}

    def create(self, request, *args, **kwargs):
        return self._write(self.symbols_to_ids(request.data), None, created=True)

    def save(self, form):
        try:
            return self.add(form.cleaned_data)
        except DjangoValidationError as exc:
            raise DRFValidationError({"non_field_errors": exc.messages}) from exc

    def destroy(self, request, *args, **kwargs):
        self.remove(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @abstractmethod
    def add(self, data: dict):
        """Add the row through its service (which audits it)."""

    @abstractmethod
    def remove(self, row) -> None:
        """Remove the row through its service (which audits it)."""


class SubstituteViewSet(_SecurityRowsViewSet):
    """Fair replacements per security (harvesting, the wash-sale swap). POST security and
    substitute (symbols or ids) and rank; DELETE removes one."""

    serializer_class = SubstituteOut
    form_class = SubstituteForm
    fields_by_symbol = ("security", "substitute")

    def get_queryset(self):
        return Substitute.objects.select_related("security", "substitute").order_by(
            "security__symbol", "rank"
        )

    def add(self, data):
        return substitute_add(
            firm_id=self.request.firm.pk,
            security=data["security"],
            substitute=data["substitute"],
            rank=data["rank"],
            actor=self.request.user,
        )

    def remove(self, row):
        substitute_remove(row=row, actor=self.request.user)


class IdenticalPairOut(serializers.ModelSerializer):
    symbol_a = serializers.CharField(source="security_a.symbol")
    symbol_b = serializers.CharField(source="security_b.symbol")

    class Meta:
        model = SubstantiallyIdenticalPair
        fields = ["id", "symbol_a", "symbol_b", "note"]


class IdenticalPairViewSet(_SecurityRowsViewSet):
    """Securities the wash-sale rule treats as one. POST first and second (symbols or ids) and
    a note; DELETE removes a pair."""

    serializer_class = IdenticalPairOut
    form_class = PairForm
    fields_by_symbol = ("first", "second")

    def get_queryset(self):
        return SubstantiallyIdenticalPair.objects.select_related(
            "security_a", "security_b"
        ).order_by("security_a__symbol", "security_b__symbol")

    def add(self, data):
        return identical_pair_add(
            firm_id=self.request.firm.pk,
            first=data["first"],
            second=data["second"],
            note=data["note"],
            actor=self.request.user,
        )

    def remove(self, row):
        identical_pair_remove(pair=row, actor=self.request.user)
