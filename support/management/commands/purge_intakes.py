from django.core.management.base import BaseCommand, CommandParser

from support import retention
from support.tasks import (
    schedule_busy_feeds_refresh,
    schedule_retention_purge,
    schedule_worker_heartbeat,
)


class Command(BaseCommand):
    help = "Erase intakes and contact details of bookings past the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule",
            action="store_true",
            help=(
                "also make sure the purge, the worker's heartbeat and the refresh of helpers'"
                " external calendars are queued for the worker"
            ),
        )

    def handle(self, *args: object, **options: object) -> None:
        erased = retention.retention_purge()
        self.stdout.write(f"Erased the intakes of {erased} booking(s).")
        if options["schedule"] and schedule_retention_purge():
            self.stdout.write("The daily purge is queued.")
        if options["schedule"] and schedule_worker_heartbeat():
            self.stdout.write("The worker's heartbeat is queued.")
        if options["schedule"] and schedule_busy_feeds_refresh():
            self.stdout.write("The refresh of external calendars is queued.")
