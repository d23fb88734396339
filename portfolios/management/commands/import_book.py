"""`python manage.py import_book <firm-slug> <folder>`: import whichever book CSVs the folder
holds."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from firms.selectors import firm_by_slug
from firms.services.tenancy import firm_scope
from portfolios.importer import book_import
from portfolios.importer.formats import all_kinds


class Command(BaseCommand):
    help = (
        "Import a firm's book from CSV files named after their kind (securities.csv, prices.csv, "
        "models.csv, accounts.csv, positions.csv, lots.csv, transactions.csv) in a folder. "
        "All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("firm_slug")
        parser.add_argument("folder", type=Path)

    def handle(self, firm_slug, folder, **options):
        firm = firm_by_slug(firm_slug)
        files = self.find_files(folder)
        self.stdout.write(f"Importing {', '.join(p.name for p in files.values())} into {firm.name}")
        with firm_scope(firm):
            result = book_import(
                firm=firm, files=files, actor=None, source="command", on_progress=self.progress
            )
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            if result.errors_hidden:
                self.stderr.write(f"… and {result.errors_hidden} more problem(s)")
            raise CommandError(
                f"Import refused: {result.error_count} problem(s); nothing was written."
            )
        summary = ", ".join(f"{count:,} {kind}" for kind, count in result.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {summary}."))
        for note in result.notes:
            self.stdout.write(self.style.WARNING(note))

    @staticmethod
    def find_files(folder: Path) -> dict[str, Path]:
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        files = {
            kind: folder / f"{kind}.csv"
            for kind in all_kinds()
            if (folder / f"{kind}.csv").is_file()
        }
        if not files:
            raise CommandError(
                f"{folder} holds none of: {', '.join(f'{k}.csv' for k in all_kinds())}."
            )
        return files

    def progress(self, message: str) -> None:
        self.stdout.write(f"  {message}")
