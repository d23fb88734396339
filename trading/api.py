"""Read-only REST endpoints for batches and orders (firm-scoped managers)."""

from rest_framework import serializers, viewsets

from .models import Batch, Order


class BatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = Batch
        fields = [
            "id",
            "trade_date",
            "status",
            "trigger",
            "runs",
            "note",
            "counts",
            "skipped",
            "created_at",
            "finished_at",
        ]


class OrderSerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.number")
    symbol = serializers.CharField(source="security.symbol")

    class Meta:
        model = Order
        fields = [
            "id",
            "batch",
            "proposal",
            "account",
            "symbol",
            "side",
            "client_order_id",
            "order_type",
            "limit_price",
            "approved_price",
            "reference_price",
            "quantity",
            "status",
            "note",
            "filled_quantity",
            "avg_price",
            "fees",
        ]


class BatchViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = BatchSerializer

    def get_queryset(self):
        return Batch.objects.order_by("-trade_date")


class OrderViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrderSerializer

    def get_queryset(self):
        qs = Order.objects.select_related("account", "security").order_by("-pk")
        batch = self.request.query_params.get("batch", "")
        return qs.filter(batch_id=int(batch)) if batch.isdigit() else qs
