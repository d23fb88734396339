"""Read-only REST endpoints for drift snapshots and proposals (firm-scoped managers)."""

from rest_framework import serializers, viewsets

from .models import DriftSnapshot, Proposal, ProposalTrade


class SnapshotSerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.number")

    class Meta:
        model = DriftSnapshot
        fields = [
            "id",
            "account",
            "as_of",
            "total_value",
            "portfolio_drift",
            "max_drift",
            "max_drift_class",
            "breached",
            "status",
            "detail",
        ]


class TradeSerializer(serializers.ModelSerializer):
    symbol = serializers.CharField(source="security.symbol")

    class Meta:
        model = ProposalTrade
        fields = [
            "symbol",
            "side",
            "quantity",
            "price",
            "value",
            "realised_st",
            "realised_lt",
            "lots",
        ]


class ProposalSerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.number")
    trades = TradeSerializer(many=True, read_only=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "account",
            "version",
            "kind",
            "source",
            "status",
            "as_of",
            "content_hash",
            "total_value",
            "cash_amount",
            "trade_value",
            "est_costs",
            "est_tax",
            "realised_st",
            "realised_lt",
            "drift_before",
            "drift_after",
            "allocation",
            "flags",
            "undone",
            "trades",
        ]


class SnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SnapshotSerializer

    def get_queryset(self):
        qs = DriftSnapshot.objects.select_related("account").order_by("-as_of", "-portfolio_drift")
        if self.request.query_params.get("breached") == "true":
            qs = qs.filter(breached=True)
        return qs


class ProposalViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProposalSerializer

    def get_queryset(self):
        return (
            Proposal.objects.select_related("account")
            .prefetch_related("trades__security")
            .order_by("-created_at")
        )
