"""People by API: a firm administrator's token invites staff and clients, lists and revokes
invitations, through the same audited service as the People page (firms.services.invitations).
The link is emailed to the invitee only; the API never returns it."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from .choices import Role
from .models import Invitation
from .permissions import Action, may, refusal
from .services.invitations import InvitationRefused, invitation_create, invitation_revoke


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ["id", "email", "name", "role", "client", "created_at", "expires_at", "status"]

    def get_status(self, obj) -> str:
        return obj.status_at(timezone.now())


class InvitationIn(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    client = serializers.IntegerField(required=False, help_text="The client record (role client).")


class InvitationViewSet(viewsets.ReadOnlyModelViewSet):
    """Another firm's invitation is a 404 for every role (looked up before the role check, as
    every API of the product), then the role must be one that manages people."""

    serializer_class = InvitationSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if "pk" in kwargs:
            self.get_object()
        if not may(request.membership, Action.PEOPLE):
            raise PermissionDenied(refusal(Action.PEOPLE))

    def get_queryset(self):
        return Invitation.objects.order_by("-created_at")

    @extend_schema(request=InvitationIn, responses={201: InvitationSerializer})
    def create(self, request):
        data = InvitationIn(data=request.data)
        data.is_valid(raise_exception=True)
        client = None
        if data.validated_data.get("client") is not None:
            # The client model through the invitation's key: firms may not import portfolios.
            clients = Invitation._meta.get_field("client").related_model.objects
            client = clients.filter(pk=data.validated_data["client"]).first()
            if client is None:
                return Response({"client": ["No such client."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            invitation, _link = invitation_create(
                actor=request.membership,
                email=data.validated_data["email"],
                role=data.validated_data["role"],
                name=data.validated_data.get("name", ""),
                client=client,
            )
        except InvitationRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: InvitationSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        invitation = self.get_object()
        try:
            invitation_revoke(actor=request.membership, invitation=invitation)
        except InvitationRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        invitation.refresh_from_db()
        return Response(InvitationSerializer(invitation).data)
