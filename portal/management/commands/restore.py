"""`manage.py restore FILE`: a backup into an empty database, checked against its manifest."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an EMPTY database (refuses one with "
        "tables) and check every table's row count against the manifest."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the backup file or its .json manifest")

    def handle(self, *args, **options) -> None:
        try:
            info = backup.restore_backup(Path(options["file"]), key=settings.BACKUP_KEY)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(info["counts"].values())
        self.stdout.write(
            f"Restored {info['file']} from {info['created_at']}: "
            f"{len(info['counts'])} tables, {rows} rows, counts as in the manifest."
        )
        self.stdout.write(
            "Nobody is logged in: sessions are never in a backup, so staff log in again "
            "(password and second factor)."
        )
        unreadable = backup.unreadable_encrypted_fields()
        if unreadable:
            self.stderr.write(
                "WARNING: FIELD_ENCRYPTION_KEYS opens none of the encrypted values in "
                + ", ".join(unreadable)
                + ". Set the keys that were in use when the backup was made."
            )
        else:
            self.stdout.write("The encryption keys open the stored intakes and second factors.")
        self.stdout.write("Next: `manage.py migrate` (applies only what is newer than the backup).")
