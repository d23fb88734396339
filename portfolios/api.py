"""The book's REST endpoints: read-only viewsets (querysets come from the firm-scoped managers;
the middleware has entered the caller's firm scope, session or token) and POST
/api/book/import/, the book import for integrators (multipart, one file field per kind)."""

from django.utils.dateparse import parse_date
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from firms.api import SetupCreateMixin, SetupUpdateMixin, SetupViewSet
from firms.choices import BOOK_DATA_ROLES
from firms.permissions import Action, ActionPermission

from .forms import CustodianForm
from .importer import book_import
from .importer.formats import all_kinds
from .models import (
    Account,
    Client,
    Custodian,
    ModelPortfolio,
    ModelTarget,
    Position,
    Price,
    Security,
)
from .services.custodians import custodian_save


class SecuritySerializer(serializers.ModelSerializer):
    class Meta:
        model = Security
        fields = [
            "id",
            "symbol",
            "name",
            "asset_class",
            "security_type",
            "liquidity",
            "diversified",
        ]


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "name", "email", "household", "alternatives_eligible"]


class PositionSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="security.symbol")

    class Meta:
        model = Position
        fields = ["symbol", "quantity"]


class AccountSerializer(serializers.ModelSerializer):
    client = serializers.CharField(source="client.name")
    model = serializers.CharField(source="model.name")
    custodian = serializers.CharField(source="custodian.code")
    advisor_email = serializers.EmailField(source="advisor.user.email", default=None)
    positions = PositionSerializer(many=True, read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "number",
            "client",
            "registration",
            "tax_status",
            "custodian",
            "segment",
            "risk_profile",
            "model",
            "advisor_email",
            "positions",
        ]


class TargetSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="security.symbol")

    class Meta:
        model = ModelTarget
        fields = ["asset_class", "symbol", "weight"]


class ModelPortfolioSerializer(serializers.ModelSerializer):
    targets = TargetSerializer(many=True, read_only=True)

    class Meta:
        model = ModelPortfolio
        fields = ["id", "name", "description", "targets"]


class PriceSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="security.symbol")

    class Meta:
        model = Price
        fields = ["symbol", "date", "close"]


class SecurityViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SecuritySerializer

    def get_queryset(self):
        return Security.objects.order_by("symbol")


class ClientViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ClientSerializer

    def get_queryset(self):
        return Client.objects.order_by("name")


class AccountViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AccountSerializer

    def get_queryset(self):
        return (
            Account.objects.select_related("client", "model", "custodian", "advisor__user")
            .prefetch_related("positions__security")
            .order_by("number")
        )


class ModelPortfolioViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ModelPortfolioSerializer

    def get_queryset(self):
        return ModelPortfolio.objects.prefetch_related("targets__security").order_by("name")


class PriceViewSet(viewsets.ReadOnlyModelViewSet):
    """Daily closes; filter with ?symbol=VTI&date=2026-11-24."""

    serializer_class = PriceSerializer

    def get_queryset(self):
        prices = Price.objects.select_related("security").order_by("-date", "security__symbol")
        if symbol := self.request.query_params.get("symbol"):
            prices = prices.filter(security__symbol=symbol.upper())
        if day := self.request.query_params.get("date"):
            try:
                parsed = parse_date(day)
            except ValueError:
                parsed = None
            if parsed is None:
                raise ValidationError({"date": f"{day!r} is not a date (YYYY-MM-DD)."})
            prices = prices.filter(date=parsed)
        return prices


# The role matrix's BOOK_IMPORT row (firms.permissions), as a DRF permission.
CanImportBook = ActionPermission(Action.BOOK_IMPORT)


# The multipart body: any of the CSV files (the book's and the set-up files), each under its
# kind's name (formats: README.md, "Importing the book").
BookUploadSerializer = type(
    "BookUploadSerializer",
    (serializers.Serializer,),
    {kind: serializers.FileField(required=False) for kind in all_kinds()},
)


class RowErrorSerializer(serializers.Serializer):
    file = serializers.CharField()
    row = serializers.IntegerField(
        allow_null=True, help_text="Line in the file (the header is line 1); null: the whole file."
    )
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ImportRefusedSerializer(serializers.Serializer):
    errors = RowErrorSerializer(many=True, help_text="The first 200 problems.")
    error_count = serializers.IntegerField()


class ImportedSerializer(serializers.Serializer):
    import_run = serializers.IntegerField(
        help_text="The import's id: POST /api/drift/imports/{id}/rescan/ re-scans what it changed."
    )
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Rows written per kind."
    )
    unknown_gain_sells = serializers.IntegerField(
        help_text=(
            "Sells with neither realized_gain nor cost_basis: their gain is unknown"
            " (a possible loss to the wash-sale check)."
        )
    )
    ignored_columns = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per file, the header columns the format does not know (not read).",
    )
    notes = serializers.ListField(
        child=serializers.CharField(), help_text="The two above, in words."
    )


class BookImportView(APIView):
    permission_classes = [CanImportBook]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Import the book from CSV files (all or nothing)",
        request={"multipart/form-data": BookUploadSerializer},
        responses={
            201: ImportedSerializer,
            400: OpenApiResponse(
                ImportRefusedSerializer, description="Refused: nothing was written."
            ),
        },
    )
    def post(self, request):
        files = {kind: request.FILES[kind] for kind in all_kinds() if kind in request.FILES}
        if not files:
            kinds = ", ".join(all_kinds())
            message = f"Attach at least one CSV file as a field named one of: {kinds}."
            error = {"file": "", "row": None, "column": "", "message": message}
            return Response(
                {"errors": [error], "error_count": 1}, status=status.HTTP_400_BAD_REQUEST
            )
        req = request._request
        result = book_import(firm=req.firm, files=files, actor=req.membership, source="api")
        if result.ok:
            return Response(
                {
                    "import_run": result.run_id,
                    "counts": result.counts,
                    "unknown_gain_sells": result.unknown_gain_sells,
                    "ignored_columns": result.ignored_columns,
                    "notes": result.notes,
                },
                status=status.HTTP_201_CREATED,
            )
        errors = [error.as_dict() for error in result.errors]
        return Response(
            {"errors": errors, "error_count": result.error_count},
            status=status.HTTP_400_BAD_REQUEST,
        )


# --- set-up: custodians (operations and the firm administrator write) ----------------------


class CustodianSerializer(serializers.ModelSerializer):
    class Meta:
        model = Custodian
        fields = [
            "id",
            "code",
            "name",
            "fee_per_trade",
            "fee_bps",
            "spread_bps",
            "supports_fractional",
        ]


class CustodianViewSet(SetupCreateMixin, SetupUpdateMixin, SetupViewSet):
    """The firm's custodians; accounts.csv names one by its code."""

    serializer_class = CustodianSerializer
    form_class = CustodianForm
    write_roles = BOOK_DATA_ROLES

    def get_queryset(self):
        return Custodian.objects.order_by("code")

    def save(self, form):
        return custodian_save(custodian=form.save(commit=False), actor=self.request.user)
