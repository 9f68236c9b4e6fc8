"""Caching of pages built from the database, keyed by the data version.

Every change to support data adds a `DataChange` row; the highest id is the data version.
Cached pages carry it in their key, so they are replaced as soon as a change commits. Reading
the version is one small indexed query.
"""

from collections.abc import Callable
from functools import wraps

from django.core.cache import cache
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

from support.models import DataChange

PAGE_TIMEOUT = 10 * 60


KEEP_CHANGES = 1000


def data_version() -> int:
    return DataChange.objects.aggregate(version=Max("id"))["version"] or 0


def bump_data_version() -> None:
    """Count a change; other connections see it when the surrounding transaction commits."""
    change = DataChange.objects.create()
    if change.pk % KEEP_CHANGES == 0:
        # Old rows carry no meaning once a newer one exists; the highest id stays.
        DataChange.objects.filter(pk__lt=change.pk - KEEP_CHANGES).delete()


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Cache a GET page that is the same for every visitor, until the data changes."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method != "GET":
            return view(request, *args, **kwargs)
        key = f"page:{get_language()}:{data_version()}:{request.get_full_path()}"
        stored = cache.get(key)
        if stored is not None:
            status, content_type, body = stored
            return HttpResponse(body, status=status, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies and not response.streaming:
            cache.set(key, (200, response["Content-Type"], response.content), PAGE_TIMEOUT)
        return response

    return wrapper
