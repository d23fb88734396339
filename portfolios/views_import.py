"""The book import page: upload one or more CSV files; all-or-nothing."""

from django.contrib import messages
from django.shortcuts import redirect, render

from firms.choices import IMPORT_ROLES
from firms.views import role_required

from .importer import KINDS, book_import
from .models import ImportRun


@role_required(*IMPORT_ROLES)
def import_page(request):
    result = None
    if request.method == "POST":
        files = {kind: request.FILES[kind] for kind in KINDS if kind in request.FILES}
        if not files:
            messages.error(request, "Choose at least one CSV file to import.")
            return redirect("portfolios:import")
        result = book_import(firm=request.firm, files=files, actor=request.membership, source="web")
        if result.ok:
            summary = ", ".join(f"{n} {kind}" for kind, n in result.counts.items())
            messages.success(request, f"Imported {summary}.")
            for note in result.notes:
                messages.warning(request, note)
            return redirect("portfolios:import")
    recent = ImportRun.objects.select_related("created_by__user")[:10]
    return render(
        request, "portfolios/import.html", {"result": result, "kinds": KINDS, "recent": recent}
    )
