"""Cross-cutting middleware: extra security headers, CSRF without a referrer, page cache."""

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, cast, overload
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.middleware import csrf
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.module_loading import import_string
from whitenoise.middleware import WhiteNoiseFileResponse

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict


def security_headers(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response

    return middleware


def client_error_pages(get_response: Callable[[HttpRequest], HttpResponse]):
    """A client error is answered with our own page, never Django's empty or plain default.

    No field of ours takes a NUL byte, and PostgreSQL refuses one in any text: a query string's
    NUL bytes are dropped (a search for "a\x00b" is a search for "ab"), and a form sent with one
    gets our 400 page, before a view (the admin's search, say) hands it to the database.
    Django answers a refused method (405) with an empty body; that becomes a page in the site's
    frame, with the quick exit, keeping the status and its Allow header.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        if "%00" in request.META.get("QUERY_STRING", ""):
            request.GET = _without_nul(request.GET)
        if _form_has_nul(request):
            return render(request, "400.html", status=400)
        response = get_response(request)
        if response.status_code == 405 and not response.content:
            page = render(request, "405.html", status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response

    return middleware


def _without_nul(data: QueryDict) -> "_ImmutableQueryDict":
    clean = QueryDict(mutable=True)
    for key, values in data.lists():
        clean.setlist(key.replace("\x00", ""), [value.replace("\x00", "") for value in values])
    clean._mutable = False
    return cast("_ImmutableQueryDict", clean)  # made immutable, as request.GET is


def _form_has_nul(request: HttpRequest) -> bool:
    if request.method != "POST" or request.content_type not in FORM_TYPES:
        return False
    try:
        return any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.POST.lists()
        )
    except (UnicodeDecodeError, LookupError, MultiPartParserError):
        return False  # left to the view's own handling of a body it cannot read


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


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
        return super()._origin_verified(request)  # type: ignore[misc]  # private in django-stubs

    def _check_referer(self, request: HttpRequest) -> None:
        if self._same_origin_by_fetch_metadata(request):
            return
        super()._check_referer(request)  # type: ignore[misc]  # private in django-stubs


class ReadingPageCache:
    """Serve pages that are the same for every reader from memory, with all their headers.

    Only GET requests without cookies (readers who only read) and only responses that the view
    marked with `reading_page` and that set no cookie. Such a request has no session, no
    messages and no CSRF token, so nothing of one reader can be in the page another gets.

    The key is the path plus only the query parameters the view declared (`params`), sorted:
    `?utm=…` or a random parameter never makes a new entry. The host is validated before a
    stored page is served, as it would be for a page made anew. The entry holds the version of
    what the page is built from: the Markdown content (checked in process, no query) and, for
    pages built from the database, the data version (one small query), so it is never stale.
    It sits below SecurityMiddleware, so HTTPS redirects and HSTS still apply to every hit.

    The same pages, under the same conditions, may be kept by a shared cache (the reverse
    proxy in deploy/) for a few seconds: `shared_cacheable`.
    """

    MAX_ENTRIES = 1000
    MAX_BYTES = 32 * 1024 * 1024  # per process; the least recently used pages go first

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.entries: OrderedDict[str, tuple[tuple, int, list, bytes]] = OrderedDict()
        # The query parameters each cached path's view reads, learnt from its first response.
        self.params: dict[str, tuple[str, ...]] = {}
        self.size = 0
        self.lock = threading.Lock()
        self.data_version = import_string(settings.PAGE_CACHE_DATA_VERSION)

    def version(self, uses_data: bool) -> tuple:
        from articles.content import get_library

        library = get_library()
        content = (id(library), library.version)
        return (content, self.data_version()) if uses_data else (content,)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "GET" or request.COOKIES:
            return self.get_response(request)
        try:
            request.get_host()
        except DisallowedHost:
            return self.get_response(request)  # answered 400 by the stack, never from here
        params = self.params.get(request.path)
        key = self._key(request, params) if params is not None else None
        entry = self.entries.get(key) if key is not None else None
        version = None
        if entry is not None:
            version = self.version(uses_data=len(entry[0]) == 2)
        if entry is not None and entry[0] == version:
            _version, status, headers, body = entry
            response = HttpResponse(body, status=status)
            for name, value in headers:
                response.headers[name] = value
            response.shared_cache = True  # type: ignore[attr-defined]  # a marker
            return response
        response = self.get_response(request)
        scope = getattr(response, "reading_page", None)
        if (
            scope is not None
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
        ):
            shared_cacheable(response)
            uses_data = scope == "data"
            if version is None or (len(version) == 2) != uses_data:
                version = self.version(uses_data=uses_data)
            params = tuple(sorted(response.reading_page_params))  # type: ignore[attr-defined]
            key = self._key(request, params)
            with self.lock:
                self.params[request.path] = params
                if (old := self.entries.pop(key, None)) is not None:
                    self.size -= len(old[3])
                self.entries[key] = (
                    version,
                    response.status_code,
                    list(response.headers.items()),
                    response.content,
                )
                self.size += len(response.content)
                while len(self.entries) > self.MAX_ENTRIES or self.size > self.MAX_BYTES:
                    _key, dropped = self.entries.popitem(last=False)
                    self.size -= len(dropped[3])
        return response

    @staticmethod
    def _key(request: HttpRequest, params: tuple[str, ...]) -> str:
        values = [(name, value) for name in params for value in request.GET.getlist(name)]
        return f"{request.path}?{urlencode(values)}" if values else request.path


def shared_cache_control(get_response: Callable[[HttpRequest], HttpResponse]):
    """Only reading pages for everyone and static files may be kept by a shared cache.

    Every other response (pages with a form token, a session, a message or a visitor's data,
    error pages, redirects) is made `private`, whatever the view said, so the reverse proxy
    or any cache on the way never stores a page made for one visitor.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if getattr(response, "shared_cache", False) or isinstance(response, WhiteNoiseFileResponse):
            return response
        return only_private(response)

    return middleware


def shared_cacheable(response: HttpResponse) -> HttpResponse:
    """A reading page, asked for without cookies and setting none: the same for everyone.

    A shared cache may keep it for a few seconds and serve a stale copy while one request
    refreshes it (or while the app cannot answer); `Vary: Cookie` keeps that copy from a
    request that carries cookies in any cache that does not bypass those itself. The language
    comes from the path, so `Accept-Language` is no part of the key. Browsers keep no copy
    (`max-age=0`): on a shared device the browser's cache should not hold what was read.
    """
    seconds = settings.READING_PAGE_SHARED_SECONDS
    del response.headers["Cache-Control"]
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=seconds,
        stale_while_revalidate=settings.READING_PAGE_STALE_SECONDS,
        stale_if_error=settings.READING_PAGE_STALE_IF_ERROR_SECONDS,
    )
    vary = [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]
    vary = [v for v in vary if v.lower() not in ("accept-language", "cookie")]
    response.headers["Vary"] = ", ".join([*vary, "Cookie"])
    response.shared_cache = True  # type: ignore[attr-defined]  # a marker
    return response


def only_private(response: HttpResponse) -> HttpResponse:
    """Anything but a reading page for everyone: no shared cache may store it."""
    control = response.get("Cache-Control", "")
    if "no-store" in control or ("private" in control and "s-maxage" not in control):
        return response
    directives = [
        d.strip()
        for d in control.split(",")
        if d.strip() and d.strip().split("=")[0].lower() not in ("public", "s-maxage", "private")
    ]
    response.headers["Cache-Control"] = ", ".join(["private", *directives])
    patch_vary_headers(response, ("Cookie",))
    return response


View = Callable[..., HttpResponse]


@overload
def reading_page(view: View, *, uses_data: bool = ..., params: Iterable[str] = ...) -> View: ...
@overload
def reading_page(
    view: None = None, *, uses_data: bool = ..., params: Iterable[str] = ...
) -> Callable[[View], View]: ...
def reading_page(
    view: View | None = None,
    *,
    uses_data: bool = False,
    params: Iterable[str] = (),
) -> View | Callable[[View], View]:
    """Mark a view whose page depends only on the path, the query parameters named in
    `params`, the Markdown content and (with `uses_data`) the database's data version: the
    same for every reader."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            response = view(request, *args, **kwargs)
            # Markers for ReadingPageCache, set on the response object (no type declares them).
            response.reading_page = "data" if uses_data else "content"  # type: ignore[attr-defined]
            response.reading_page_params = tuple(params)  # type: ignore[attr-defined]
            return response

        return wrapper

    return decorate(view) if view is not None else decorate


# Where a staff member without a second factor may still go: setting one up, and leaving.
MFA_SETUP_VIEWS = {
    "mfa_index",
    "mfa_activate_totp",
    "mfa_add_webauthn",
    "account_logout",
    "account_reauthenticate",
    "mfa_reauthenticate",
    "exit",
    "healthz",
    "robots_txt",
}


class RequireStaffSecondFactor:
    """allauth offers a second factor but never demands one: we do, for every staff account.

    A staff member (admin user or helper) logged in without TOTP or a passkey sees nothing but
    the page to set one up, so neither the dashboard nor the admin is reachable without it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict
    ) -> HttpResponse | None:
        # Imported here: this module is loaded with the settings, before the models are.
        from portal.accounts import has_second_factor, is_staff_member

        match = request.resolver_match
        if match is None or match.url_name in MFA_SETUP_VIEWS:
            return None
        user = request.user
        if not is_staff_member(user) or has_second_factor(user):
            return None
        return redirect("mfa_activate_totp")


class UnreadableDataPage:
    """Stored data that no configured key opens gets a clear page, never a 500 or ciphertext.

    support/fields.py raises InvalidToken when FIELD_ENCRYPTION_KEYS does not hold the key a
    value was written with: after a restore with the wrong keys, or a key dropped too early.
    Visitors are told to try later; staff are told what the operator must check; the log names
    the view, never the URL (it may hold a private link's token).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from cryptography.fernet import InvalidToken

        if not isinstance(exception, InvalidToken):
            return None
        match = getattr(request, "resolver_match", None)
        logging.getLogger("houvast.keys").error(
            "Stored data could not be decrypted: no key in FIELD_ENCRYPTION_KEYS opens it "
            "(view %s). Set the keys the data was written with.",
            match.view_name if match else "-",
        )
        user = getattr(request, "user", None)
        context = {"for_staff": bool(user is not None and user.is_staff)}
        response = render(request, "503_unreadable.html", context, status=503)
        response["Cache-Control"] = "no-store"
        return response
