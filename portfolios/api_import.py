"""POST /api/book/import/: the book import for integrators (multipart, one file field per kind)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from firms.choices import IMPORT_ROLES

from .importer import KINDS, book_import


class CanImportBook(BasePermission):
    message = "Importing the book needs an operations, administrator or advisor role in the firm."

    def has_permission(self, request, view):
        membership = getattr(request._request, "membership", None)
        return bool(
            request.user
            and request.user.is_authenticated
            and membership
            and membership.role in IMPORT_ROLES
        )


class BookUploadSerializer(serializers.Serializer):
    """The multipart body: any of the seven CSV files, each under its kind's name (SPEC R-IF-2)."""

    securities = serializers.FileField(required=False)
    prices = serializers.FileField(required=False)
    models = serializers.FileField(required=False)
    accounts = serializers.FileField(required=False)
    positions = serializers.FileField(required=False)
    lots = serializers.FileField(required=False)
    transactions = serializers.FileField(required=False)


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
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Rows written per kind."
    )
    unknown_gain_sells = serializers.IntegerField(
        help_text="Sells with neither realized_gain nor cost_basis: their gain is unknown (a possible loss to the wash-sale check)."
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
        files = {kind: request.FILES[kind] for kind in KINDS if kind in request.FILES}
        if not files:
            message = f"Attach at least one CSV file as a field named one of: {', '.join(KINDS)}."
            error = {"file": "", "row": None, "column": "", "message": message}
            return Response(
                {"errors": [error], "error_count": 1}, status=status.HTTP_400_BAD_REQUEST
            )
        req = request._request
        result = book_import(firm=req.firm, files=files, actor=req.membership, source="api")
        if result.ok:
            return Response(
                {
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
