"""REST endpoints of drift: snapshots and proposals (read-only), the set-up (drift rules, accounts'
own settings), and the re-scan after a book import."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from firms.api import SetupCreateMixin, SetupUpdateMixin, SetupViewSet
from firms.choices import ADVISORY_ROLES, IMPORT_ROLES, POLICY_ROLES
from firms.tasks import enqueue_now
from firms.views import account_action_check
from portfolios.choices import AssetClass
from portfolios.models import Account, ImportRun

from .forms import AccountDriftSettingsForm, DriftRuleForm, band_field_name
from .models import AccountDriftSettings, DriftRule, DriftSnapshot, Proposal, ProposalTrade
from .services.rescan import rescan_request
from .services.rules import account_settings_save, drift_rule_save
from .tasks import drift_rescan


class RescanOut(serializers.Serializer):
    as_of = serializers.DateField()
    scope = serializers.CharField(help_text="accounts, or firm (every account)")
    accounts = serializers.IntegerField(allow_null=True, help_text="null: the whole firm")


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


# --- set-up: drift rules (the administrator and the committee) and accounts' own settings --


def _band_fields() -> dict:
    return {
        band_field_name(value): serializers.DecimalField(
            max_digits=7,
            decimal_places=3,
            required=False,
            allow_null=True,
            help_text=f"Band for {label.lower()} in percentage points; null: the rule's band.",
        )
        for value, label in AssetClass.choices
    }


class _DriftRuleBase(serializers.ModelSerializer):
    class Meta:
        model = DriftRule
        fields = [
            "id",
            "name",
            "segment",
            "threshold_pp",
            "threshold_pp_tax_advantaged",
            "relative_pct",
            "dollar_threshold",
            "rebalance_to",
            "min_trade_value",
            "cash_floor_pct",
            *(band_field_name(v) for v in AssetClass.values),
        ]

    def to_representation(self, rule):
        overrides = rule.class_overrides or {}
        data = super().to_representation(rule)
        for value in AssetClass.values:
            band = overrides.get(value)
            data[band_field_name(value)] = None if band is None else str(Decimal(str(band)))
        return data


# The per-class bands are plain fields, as on the rule page (band_<asset class>).
DriftRuleSerializer = type(
    "DriftRuleSerializer",
    (_DriftRuleBase,),
    {**_band_fields(), "Meta": _DriftRuleBase.Meta, "__module__": __name__},
)


class DriftRuleViewSet(SetupCreateMixin, SetupUpdateMixin, SetupViewSet):
    """The firm's default rule (segment null) and its segments' rules."""

    serializer_class = DriftRuleSerializer
    form_class = DriftRuleForm
    write_roles = POLICY_ROLES

    def get_queryset(self):
        return DriftRule.objects.order_by("segment", "name")

    def save(self, form):
        return drift_rule_save(rule=form.save(commit=False), actor=self.request.user)


class AccountDriftSettingsSerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.number", help_text="The account's number.")
    rule = serializers.CharField(
        source="rule.name", default=None, allow_null=True, help_text="null: its segment's rule."
    )

    class Meta:
        model = AccountDriftSettings
        fields = [
            "id",
            "account",
            "rule",
            "do_not_trade",
            "never_sell",
            "never_buy",
            "gains_budget",
            "gains_budget_mode",
        ]


class AccountDriftSettingsViewSet(SetupCreateMixin, SetupUpdateMixin, SetupViewSet):
    """Accounts' own rule and restrictions: the account's advisor or a firm-wide role. On
    create, `account` is the account's number; `rule` a drift rule's id (or null); never_sell
    and never_buy symbols separated by spaces."""

    serializer_class = AccountDriftSettingsSerializer
    form_class = AccountDriftSettingsForm
    write_roles = ADVISORY_ROLES

    def get_queryset(self):
        return AccountDriftSettings.objects.select_related("account", "rule").order_by(
            "account__number"
        )

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if "pk" in kwargs and request.method not in ("GET", "HEAD", "OPTIONS"):
            account_action_check(request.membership, self.get_object().account.advisor_id)

    def new_instance(self):
        number = str(self.request.data.get("account", "")).strip()
        account = Account.objects.filter(number=number).first()
        if account is None:
            raise ValidationError({"account": [f"No account numbered {number!r}."]})
        if AccountDriftSettings.objects.filter(account=account).exists():
            raise ValidationError(
                {"account": [f"Account {number} has settings already; change them instead."]}
            )
        return AccountDriftSettings(firm=self.request.firm, account=account)

    def save(self, form):
        settings = form.save(commit=False)
        account_action_check(self.request.membership, settings.account.advisor_id)
        return account_settings_save(settings=settings, actor=self.request.user)


class RescanView(APIView):
    """Re-scan what a book import changed (as the import page's button): the accounts its
    files name, or the whole firm after prices, securities, models or drift rules."""

    @extend_schema(
        summary="Re-scan the accounts an import changed",
        request=None,
        responses={202: RescanOut},
    )
    def post(self, request, pk: int):
        run = ImportRun.objects.filter(pk=pk, ok=True).first()
        if run is None:
            raise NotFound("No such import.")
        if request.membership.role not in IMPORT_ROLES:
            raise PermissionDenied("Re-scanning needs a role that may import the book.")
        asked = rescan_request(firm_id=request.firm.pk, import_run=run, actor=request.user)
        if not enqueue_now(drift_rescan, firm_id=request.firm.pk, **asked):
            return Response(
                {"detail": "The task queue is unreachable; nothing was queued."},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(
            {
                "as_of": asked["as_of"],
                "scope": "firm" if asked["account_ids"] is None else "accounts",
                "accounts": None if asked["account_ids"] is None else len(asked["account_ids"]),
            },
            status=status.HTTP_202_ACCEPTED,
        )
