from django.core.management.base import BaseCommand

from support.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo directory (real organisations, invented examples). Safe to run again."

    def handle(self, *args: object, **options: object) -> None:
        counts = load_demo()
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}"))
