"""Cross-cutting middleware: extra security headers, CSRF without a referrer, page cache."""

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware import csrf


def security_headers(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response

    return middleware


class CsrfViewMiddleware(csrf.CsrfViewMiddleware):
    """Django's CSRF protection, made to work with `Referrer-Policy: no-referrer`.

    Under that policy browsers send `Origin: null` and no Referer with our own form posts, which
    Django would reject. The browser still tells us where the request came from through the
    Fetch Metadata header `Sec-Fetch-Site`, which pages cannot set or forge; when it says
    `same-origin` we accept the missing origin. The CSRF token is checked as always.
    """

    @staticmethod
    def _same_origin_by_fetch_metadata(request: HttpRequest) -> bool:
        return request.META.get("HTTP_SEC_FETCH_SITE") == "same-origin"

    def _origin_verified(self, request: HttpRequest) -> bool:
        if request.META.get("HTTP_ORIGIN") == "null" and self._same_origin_by_fetch_metadata(
            request
        ):
            return True
        return super()._origin_verified(request)

    def _check_referer(self, request: HttpRequest) -> None:
        if self._same_origin_by_fetch_metadata(request):
            return
        super()._check_referer(request)


class ReadingPageCache:
    """Serve pages that only show our articles from memory, with all their headers.

    Only GET requests without cookies (readers who only read) and only responses that the view
    marked with `reading_page` and that set no cookie. The key holds the content library's
    version, which changes as soon as a Markdown file does, so a cached page is never stale.
    It sits below SecurityMiddleware, so HTTPS redirects and HSTS still apply to every hit.
    """

    MAX_ENTRIES = 1000

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.entries: OrderedDict[str, tuple[tuple[int, int], int, list, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "GET" or request.COOKIES:
            return self.get_response(request)
        from articles.content import get_library

        library = get_library()
        version = (id(library), library.version)
        key = request.get_full_path()
        entry = self.entries.get(key)
        if entry is not None and entry[0] == version:
            _version, status, headers, body = entry
            response = HttpResponse(body, status=status)
            for name, value in headers:
                response.headers[name] = value
            return response
        response = self.get_response(request)
        if (
            getattr(response, "reading_page", False)
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
        ):
            with self.lock:
                self.entries[key] = (
                    version,
                    response.status_code,
                    list(response.headers.items()),
                    response.content,
                )
                self.entries.move_to_end(key)
                while len(self.entries) > self.MAX_ENTRIES:
                    self.entries.popitem(last=False)
        return response


def reading_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view whose page depends only on the URL and the Markdown content."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.reading_page = True
        return response

    return wrapper
