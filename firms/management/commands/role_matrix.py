"""Print the role matrix (firms.permissions.MATRIX) as the README's Markdown table."""

from django.core.management.base import BaseCommand

from firms.permissions import matrix_markdown


class Command(BaseCommand):
    help = "Print the role matrix as a Markdown table (the README's copy)."

    def handle(self, **options):
        self.stdout.write(matrix_markdown())
