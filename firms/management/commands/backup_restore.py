"""Platform command: restore a backup (backup_create) into a new database on the same server as
DATABASE_URL and the files into empty directories, then check every table's row count against
the backup's manifest — firms.services.backup, docs/OPERATIONS.md."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from firms.services.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup into a new database and empty media / audit-head directories."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a directory written by backup_create")
        parser.add_argument("--database", required=True, help="name of the new database")
        parser.add_argument("--media-root", help="default: MEDIA_ROOT (must be empty)")
        parser.add_argument("--audit-head-dir", help="default: AUDIT_HEAD_DIR (must be empty)")

    def handle(self, directory, database, media_root=None, audit_head_dir=None, **options):
        try:
            report = backup_restore(
                Path(directory),
                database=database,
                media_root=Path(media_root or settings.MEDIA_ROOT),
                audit_head_dir=Path(audit_head_dir or settings.AUDIT_HEAD_DIR),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if report.mismatches:
            raise CommandError("row counts differ: " + "; ".join(report.mismatches))
        self.stdout.write(
            f"restored into {report.database}: {report.tables} tables, {report.rows} rows"
            f" (as backed up), {report.media_files} media file(s). Next: point DATABASE_URL at"
            f" it, run `manage.py migrate` (grants, the app login's password) and"
            f" `manage.py verify_audit`."
        )
