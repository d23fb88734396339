"""Read-only REST endpoints for the book. Querysets come from the firm-scoped managers; the
middleware has entered the caller's firm scope (session or token)."""

from django.utils.dateparse import parse_date
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from .models import Account, Client, ModelPortfolio, ModelTarget, Position, Price, Security


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
