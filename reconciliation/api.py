"""Reconciliation's REST endpoints (under /api/reconciliation/): the breaks (filter by
?date=YYYY-MM-DD, ?status=open|closed|all, ?account=NUMBER, ?custodian=CODE), ops' accept and
resolve actions, the runs, and POST upload/ (multipart: custodian, as_of, file)."""

from django.utils.dateparse import parse_date
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from firms.choices import RECONCILIATION_ROLES, RECONCILIATION_VIEW_ROLES
from portfolios.models import Custodian

from .models import ReconciliationBreak, ReconciliationRun
from .selectors import STATUS_FILTERS, breaks_list
from .services.decisions import DecisionRefused, break_accept, break_resolve
from .services.reconcile import reconcile_file


def _role(request) -> str | None:
    membership = getattr(request._request, "membership", None)
    return membership.role if membership else None


VIEW_REFUSED = "Reconciliation needs an operations, firm administrator or compliance role."


class _SeenByReconcilers:
    """Staff (the default permission) reach the view; another firm's id is a 404 whatever the
    role, then a role that may not see breaks is refused."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if "pk" in kwargs:
            self.get_object()
        if _role(request) not in RECONCILIATION_VIEW_ROLES:
            raise PermissionDenied(VIEW_REFUSED)


class CanReconcile(BasePermission):
    message = "Reconciling a file needs an operations or firm administrator role."

    def has_permission(self, request, view):
        return _role(request) in RECONCILIATION_ROLES


class BreakOut(serializers.ModelSerializer):
    custodian = serializers.CharField(source="custodian.code")
    resolved_by = serializers.CharField(source="resolved_by.display_name", default=None)

    class Meta:
        model = ReconciliationBreak
        fields = [
            "id",
            "as_of",
            "first_seen",
            "custodian",
            "account_number",
            "account",
            "kind",
            "symbol",
            "line",
            "book_quantity",
            "custodian_quantity",
            "quantity_difference",
            "price",
            "market_value",
            "status",
            "resolution",
            "resolved_at",
            "resolved_by",
            "run",
        ]


class RunOut(serializers.ModelSerializer):
    custodian = serializers.CharField(source="custodian.code", default=None)
    # Plain text in the schema: another "source" enum exists (drf-spectacular's W001).
    source = serializers.CharField(help_text="web / api / task (reconciliation.RunSource).")

    class Meta:
        model = ReconciliationRun
        fields = ["id", "custodian", "as_of", "created_at", "source", "file_name", "ok", "counts"]


class RunDetailOut(RunOut):
    class Meta(RunOut.Meta):
        fields = [*RunOut.Meta.fields, "errors"]


class ResolveIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class AcceptIn(serializers.Serializer):
    """No fields: the book takes the custodian's figure."""


_FILTERS = [
    OpenApiParameter("date", str, description="The file's day, YYYY-MM-DD."),
    OpenApiParameter("status", str, enum=list(STATUS_FILTERS), description="Default: open."),
    OpenApiParameter("account", str, description="An account number."),
    OpenApiParameter("custodian", str, description="A custodian code."),
]


class BreakViewSet(_SeenByReconcilers, viewsets.ReadOnlyModelViewSet):
    """Breaks between the custodians' files and the book, newest day first."""

    serializer_class = BreakOut

    def get_queryset(self):
        if self.action != "list":
            return breaks_list(status="all")
        params = self.request.query_params
        chosen = params.get("status", "open")
        if chosen not in STATUS_FILTERS:
            raise ValidationError({"status": f"{chosen!r}: expected one of {STATUS_FILTERS}."})
        day = None
        if raw := params.get("date"):
            try:
                day = parse_date(raw)
            except ValueError:
                day = None
            if day is None:
                raise ValidationError({"date": f"{raw!r} is not a date (YYYY-MM-DD)."})
        custodian_id = None
        if code := params.get("custodian"):
            custodian_id = (
                Custodian.objects.filter(code__iexact=code).values_list("pk", flat=True).first()
            )
            if custodian_id is None:
                raise ValidationError({"custodian": f'unknown custodian "{code}".'})
        return breaks_list(
            status=chosen, as_of=day, account=params.get("account", ""), custodian_id=custodian_id
        )

    @extend_schema(parameters=_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _require_reconcile_role(self):
        if _role(self.request) not in RECONCILIATION_ROLES:
            raise PermissionDenied(CanReconcile.message)

    def _decide(self, decide):
        try:
            decide()
        except DecisionRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(BreakOut(self.get_object()).data)

    @extend_schema(request=AcceptIn, responses={200: BreakOut})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Adjust the book to the custodian's figure (quantity, cash, account missing in the
        file); 409 for a break the book cannot take (unknown security or account)."""
        self._require_reconcile_role()
        found = self.get_object()
        return self._decide(lambda: break_accept(break_id=found.pk, actor=request.membership))

    @extend_schema(request=ResolveIn, responses={200: BreakOut})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Mark the break resolved with a written reason (the book is left as it is)."""
        self._require_reconcile_role()
        found = self.get_object()
        body = ResolveIn(data=request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data["reason"]
        return self._decide(
            lambda: break_resolve(break_id=found.pk, actor=request.membership, reason=reason)
        )


class RunViewSet(_SeenByReconcilers, viewsets.ReadOnlyModelViewSet):
    """Files reconciled (or refused), newest first; a run's detail lists its errors."""

    def get_serializer_class(self):
        return RunDetailOut if self.action == "retrieve" else RunOut

    def get_queryset(self):
        return ReconciliationRun.objects.select_related("custodian").order_by("-created_at", "-pk")


class UploadIn(serializers.Serializer):
    custodian = serializers.CharField(max_length=40, help_text="The custodian's code.")
    as_of = serializers.DateField(help_text="The day whose closing positions the file holds.")
    file = serializers.FileField(
        help_text="positions.csv format: account_number, symbol, quantity."
    )


class RowErrorOut(serializers.Serializer):
    file = serializers.CharField()
    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class RefusedOut(serializers.Serializer):
    errors = RowErrorOut(many=True)
    error_count = serializers.IntegerField()
    run = serializers.IntegerField()


class ReconciledOut(serializers.Serializer):
    run = serializers.IntegerField()
    counts = serializers.DictField()


class ReconcileUploadView(APIView):
    """Reconcile a custodian's positions file of a day: 201 with the counts, or 400 with every
    problem by file, row and column (nothing compared)."""

    permission_classes = [CanReconcile]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": UploadIn},
        responses={201: ReconciledOut, 400: OpenApiResponse(RefusedOut)},
    )
    def post(self, request):
        body = UploadIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        result = reconcile_file(
            firm=request.firm,
            custodian_code=data["custodian"],
            as_of=data["as_of"],
            source=data["file"],
            actor=request.membership,
            origin="api",
            file_name=data["file"].name,
        )
        if not result.ok:
            return Response(
                {
                    "errors": [e.as_dict() for e in result.errors],
                    "error_count": result.error_count,
                    "run": result.run.pk,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {"run": result.run.pk, "counts": result.counts}, status=status.HTTP_201_CREATED
        )
