"""Directory entries as documents for the site search."""

from django.db.models import Count, Max

from articles.search import Document
from support.models import Entry, Kind


def directory_version() -> tuple:
    # Changes whenever an entry is added, removed or edited: one small aggregate query.
    return tuple(Entry.objects.active().aggregate(n=Count("pk"), last=Max("changed_at")).values())


def directory_documents() -> list[Document]:
    entries = Entry.objects.active().only("kind", "name", "slug", "summary", "description")
    return [
        Document(
            kind=entry.kind,
            kind_label=Kind(entry.kind).label,
            url=entry.get_absolute_url(),
            title=entry.name,
            summary=entry.summary,
            text=entry.description,
        )
        for entry in entries
    ]
