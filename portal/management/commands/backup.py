"""`manage.py backup`: a consistent backup of the database and its manifest (portal/backup.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import backup

NO_KEY = (
    "BACKUP_KEY is not set, so the backup would be written unencrypted. It holds every staff "
    "account (e-mail address, password hash), the access log and the directory as they "
    "are; only intakes, contact details and second factors are encrypted (with "
    "FIELD_ENCRYPTION_KEYS). Whoever gets a copy of the file gets all that. Set BACKUP_KEY to "
    "a Fernet key kept apart from the backups (python -c 'from cryptography.fernet import "
    "Fernet; print(Fernet.generate_key().decode())'), or pass --plaintext if the backup "
    "folder is encrypted itself and only you can read it."
)


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump custom format, or an SQLite copy made with VACUUM INTO) "
        "with a JSON manifest, encrypted when BACKUP_KEY is set; then delete old backups."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dir", default=str(settings.BACKUP_DIR), help="folder for backups (BACKUP_DIR)"
        )
        parser.add_argument(
            "--keep-daily",
            type=int,
            default=settings.BACKUP_KEEP_DAILY,
            help="keep the newest backup of this many days (default %(default)s)",
        )
        parser.add_argument(
            "--keep-weekly",
            type=int,
            default=settings.BACKUP_KEEP_WEEKLY,
            help="and of this many weeks (default %(default)s)",
        )
        parser.add_argument("--no-prune", action="store_true", help="delete no old backups")
        parser.add_argument(
            "--plaintext",
            action="store_true",
            help="write the backup unencrypted when BACKUP_KEY is empty (not advised)",
        )

    def handle(self, *args, **options) -> None:
        directory = Path(options["dir"])
        if not settings.BACKUP_KEY and not options["plaintext"]:
            raise CommandError(NO_KEY)
        try:
            made = backup.make_backup(directory, key=settings.BACKUP_KEY)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(made.info["counts"].values())
        self.stdout.write(
            f"{made.data} ({made.info['size']} bytes, {rows} rows"
            f"{', encrypted' if made.info['encrypted'] else ''}); manifest {made.manifest.name}"
        )
        if not made.info["encrypted"]:
            self.stdout.write("Not encrypted (--plaintext): set BACKUP_KEY to encrypt backups.")
        if not options["no_prune"]:
            deleted = backup.prune(
                directory, keep_daily=options["keep_daily"], keep_weekly=options["keep_weekly"]
            )
            for path in deleted:
                self.stdout.write(f"deleted old backup {path.name}")
