from django.apps import AppConfig

from articles.content import get_library
from portal import pagecache


def content_version() -> tuple[int, int]:
    """The Markdown library's version, checked in process (no query)."""
    library = get_library()
    return (id(library), library.version)


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self) -> None:
        pagecache.register_version(pagecache.CONTENT, content_version)
