"""Directory entries as documents for the site search."""

from articles.search import Document
from support.models import Entry, Kind


def directory_documents() -> list[Document]:
    entries = Entry.objects.active().only("kind", "name", "slug", "summary", "description")
    return [
        Document(
            kind=entry.kind,
            kind_label=Kind(entry.kind).label,
            url=entry.get_absolute_url(),
            title=entry.name,
            summary=entry.summary,
            body=entry.description,
        )
        for entry in entries
    ]
