from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.checklist import check_article
from articles.content import Library
from articles.search import article_segment
from support.organisations import article_organisations, directory_problems


class Command(BaseCommand):
    help = "Validate every article in the content folder; exit non-zero on any problem."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir", type=Path, default=None, help="content folder (default: CONTENT_DIR)"
        )

    def handle(self, *args: object, **options: Any) -> None:
        directory = Path(options["dir"] or settings.CONTENT_DIR)
        # Checking renders every article, which also fills the render cache for the site.
        library = Library(directory, cache_dir=settings.CONTENT_CACHE_DIR)
        problems = library.errors()
        organisations = article_organisations()
        for path, article, links in library.valid_articles():
            problems.extend(check_article(path, article, links, organisations))
        for problem in problems:
            self.stderr.write(f"{problem.path.name}: {problem.message}")
        # The directory's real organisations: every fact shown has a public source.
        for message in directory_problems():
            self.stderr.write(f"support/organisations.py: {message}")
        if problems or directory_problems():
            count = len(problems) + len(directory_problems())
            raise CommandError(f"{count} problem(s) in {directory} and the directory")
        published = library.all_published()
        # Save the articles' search index beside the render cache, for every app server.
        article_segment(library)
        self.stdout.write(
            self.style.SUCCESS(f"{len(published)} article(s) published from {directory}: all valid")
        )
