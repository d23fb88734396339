"""Platform command: back up the database (pg_dump, as the schema owner) and the files
(MEDIA_ROOT, AUDIT_HEAD_DIR) into a new directory — firms.services.backup, docs/OPERATIONS.md."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from firms.services.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the whole database and the media files into a new directory."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a directory that does not exist yet")

    def handle(self, directory, **options):
        try:
            manifest = backup_create(Path(directory))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = manifest["row_counts"]
        self.stdout.write(
            f"{directory}: database {manifest['database']} ({len(counts)} tables,"
            f" {sum(counts.values())} rows), {manifest['media_files']} media file(s),"
            f" {manifest['audit_head_files']} audit head file(s)"
        )
