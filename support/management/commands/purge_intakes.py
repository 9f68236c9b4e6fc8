from django.core.management.base import BaseCommand, CommandParser

from portal.worker import ensure_schedule
from support import retention


class Command(BaseCommand):
    help = "Erase intakes and contact details of bookings past the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help=(
                "also queue every periodic job (settings.PERIODIC_TASKS) that is not planned,"
                " as the worker does when it starts"
            ),
        )

    def handle(self, *args: object, **options: object) -> None:
        erased = retention.retention_purge()
        self.stdout.write(f"Erased the intakes of {erased} booking(s).")
        if options["schedule"]:
            for path in ensure_schedule():
                self.stdout.write(f"Queued {path}.")
