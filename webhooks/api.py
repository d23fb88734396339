"""REST endpoints for the firm's webhooks (firm administrators): endpoints with pause, resume
and secret rotation (the secret is in the response of create and rotate only), and the
delivery log with attempts and replay."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from firms.choices import Role
from firms.views import IsFirmStaff

from .choices import DeliveryStatus, EventType
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .selectors import deliveries_list, delivery_attempts, endpoints_list
from .services.delivery import DeliveryBusy, webhook_delivery_replay
from .services.endpoints import (
    EndpointInvalid,
    webhook_endpoint_create,
    webhook_endpoint_pause,
    webhook_endpoint_resume,
    webhook_endpoint_rotate,
    webhook_endpoint_update,
)


def _role(request):
    membership = getattr(request._request, "membership", None)
    return getattr(membership, "role", None)


class IsFirmAdmin(BasePermission):
    """Firm administrators. Routes with an id look the object up first (another firm's id is a
    404 for everyone), then ask here."""

    message = "Webhooks are managed by the firm's administrators."

    def has_permission(self, request, view):
        if not IsFirmStaff().has_permission(request, view):
            return False
        return view.kwargs.get("pk") is not None or _role(request) == Role.FIRM_ADMIN

    def has_object_permission(self, request, view, obj):
        return _role(request) == Role.FIRM_ADMIN


class EndpointSerializer(serializers.ModelSerializer):
    # Checked by the service (scheme, credentials, public address), which names what is wrong.
    url = serializers.CharField(max_length=500)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), allow_empty=False
    )
    pending = serializers.IntegerField(read_only=True, required=False)
    failed = serializers.IntegerField(read_only=True, required=False)
    delivered = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "status",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
            "pending",
            "failed",
            "delivered",
        ]
        read_only_fields = ["status", "previous_secret_expires_at", "created_at", "updated_at"]


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Shown in this response only: store it now."
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


def _invalid(exc: EndpointInvalid) -> ValidationError:
    return ValidationError({exc.field: [exc.message]})


class EndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The firm's webhook endpoints."""

    serializer_class = EndpointSerializer
    permission_classes = [IsFirmAdmin]
    http_method_names = ["get", "post", "patch"]

    def get_queryset(self):
        return endpoints_list()

    @extend_schema(responses={201: EndpointWithSecretSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            endpoint = webhook_endpoint_create(
                firm_id=request._request.firm.pk, actor=request.user, **serializer.validated_data
            )
        except EndpointInvalid as exc:
            raise _invalid(exc) from exc
        return Response(EndpointWithSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        serializer = self.get_serializer(endpoint, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            endpoint = webhook_endpoint_update(
                endpoint_id=endpoint.pk, actor=request.user, **serializer.validated_data
            )
        except EndpointInvalid as exc:
            raise _invalid(exc) from exc
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses=EndpointSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None, **kwargs):
        endpoint, _changed = webhook_endpoint_pause(
            endpoint_id=self.get_object().pk, actor=request.user
        )
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses=EndpointSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None, **kwargs):
        endpoint, _changed = webhook_endpoint_resume(
            endpoint_id=self.get_object().pk, actor=request.user
        )
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(request=None, responses=EndpointWithSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None, **kwargs):
        endpoint = webhook_endpoint_rotate(endpoint_id=self.get_object().pk, actor=request.user)
        return Response(EndpointWithSecretSerializer(endpoint).data)


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["attempted_at", "status_code", "latency_ms", "response_excerpt", "error"]


class DeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(source="event.msg_id", read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)
    event_key = serializers.CharField(source="event.key", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook_id",
            "event_type",
            "event_key",
            "endpoint",
            "status",
            "attempts",
            "replays",
            "next_attempt_at",
            "delivered_at",
            "last_status_code",
            "last_error",
            "created_at",
        ]


class DeliveryDetailSerializer(DeliverySerializer):
    payload = serializers.JSONField(source="event.data", read_only=True)
    attempt_log = serializers.SerializerMethodField()

    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "payload", "attempt_log"]

    @extend_schema(responses=AttemptSerializer(many=True))
    def get_attempt_log(self, obj) -> list[dict]:
        return AttemptSerializer(delivery_attempts(obj.pk)[:100], many=True).data


class DeliveryViewSet(viewsets.ReadOnlyModelViewSet):
    """The delivery log; filter with ?endpoint=, ?status= and ?type=."""

    permission_classes = [IsFirmAdmin]

    def get_serializer_class(self):
        return DeliveryDetailSerializer if self.action == "retrieve" else DeliverySerializer

    def get_queryset(self):
        params = self.request.query_params
        endpoint = params.get("endpoint", "")
        status_ = params.get("status")
        return deliveries_list(
            endpoint_id=int(endpoint) if endpoint.isdigit() else None,
            status=status_ if status_ in DeliveryStatus.values else None,
            event_type=params.get("type") if params.get("type") in EventType.values else None,
        )

    def get_object(self):
        obj = super().get_object()
        if self.action == "retrieve":
            obj = WebhookDelivery.objects.select_related("event").get(pk=obj.pk)
        return obj

    @extend_schema(request=None, responses=DeliverySerializer)
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None, **kwargs):
        delivery = self.get_object()
        try:
            delivery = webhook_delivery_replay(delivery_id=delivery.pk, actor=request.user)
        except DeliveryBusy as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
