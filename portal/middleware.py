"""Cross-cutting middleware: extra security headers, CSRF without a referrer, shared-cache headers.

The page cache itself is portal/pagecache.py.
"""

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import DataError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.middleware import csrf
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin
from psycopg.errors import NumericValueOutOfRange
from whitenoise.middleware import WhiteNoiseFileResponse

from portal import csrf as form_tokens
from portal.pagecache import is_shared_cacheable

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
    gets our 400 page, before a view (the admin's search, say) hands it to the database. So does
    a form body we cannot read (in UTF-16, UTF-7 or a charset nobody knows): read here once, for
    every view, allauth's included, instead of failing inside a view or in Django's own 400 page.
    Django answers a refused method (405) with an empty body; that becomes a page in the site's
    frame, with the quick exit, keeping the status and its Allow header.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        if "%00" in request.META.get("QUERY_STRING", ""):
            request.GET = _without_nul(request.GET)
        if _form_unreadable(request):
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


def _form_unreadable(request: HttpRequest) -> bool:
    """A form body that cannot be read, or that holds a NUL byte."""
    if request.method != "POST" or request.content_type not in FORM_TYPES:
        return False
    try:
        return any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.POST.lists()
        )
    except (BadRequest, UnicodeDecodeError, LookupError, MultiPartParserError):
        # Django refuses a form in any charset but UTF-8 (BadRequest), and would refuse it again
        # at every later read of request.POST: answered here, once.
        request._mark_post_parse_error()  # type: ignore[attr-defined]  # later reads: empty
        return True


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

    def _check_token(self, request: HttpRequest) -> None:
        """A signed form token (portal/csrf.py) counts for a visitor whose session has no
        CSRF secret yet, when the browser says the post comes from our own pages."""
        if self._from_our_pages(request) and form_tokens.is_valid_form_token(
            request, self._posted_token(request)
        ):
            return
        super()._check_token(request)  # type: ignore[misc]  # private in django-stubs

    def _from_our_pages(self, request: HttpRequest) -> bool:
        """`Sec-Fetch-Site: same-origin`, or an `Origin` that process_view already verified."""
        origin = request.META.get("HTTP_ORIGIN")
        return self._same_origin_by_fetch_metadata(request) or origin not in (None, "null")

    @staticmethod
    def _posted_token(request: HttpRequest) -> str:
        try:
            token = request.POST.get("csrfmiddlewaretoken", "")
        except OSError:  # a broken upload: refused below as a missing token
            token = ""
        return token or request.META.get(settings.CSRF_HEADER_NAME, "")


def shared_cache_control(get_response: Callable[[HttpRequest], HttpResponse]):
    """Only reading pages for everyone (for the proxy, never the browser) and static files may
    be kept by a cache.

    Every other response (pages with a form token, a session, a message or a visitor's data,
    error pages, redirects) is made `private, no-store`, whatever the view said: the reverse
    proxy never stores a page made for one visitor, and her browser keeps no copy on disk.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if is_shared_cacheable(response) or isinstance(response, WhiteNoiseFileResponse):
            return response
        return only_private(response)

    return middleware


def only_private(response: HttpResponse) -> HttpResponse:
    """Anything but a reading page for everyone: no cache may store it, the browser's neither."""
    del response.headers["X-Accel-Expires"]
    control = response.get("Cache-Control", "")
    kept = [
        d.strip()
        for d in control.split(",")
        if d.strip()
        and d.strip().split("=")[0].lower() not in ("public", "s-maxage", "private", "no-store")
    ]
    response.headers["Cache-Control"] = ", ".join(["private", "no-store", *kept])
    patch_vary_headers(response, ("Cookie",))
    return response


class DataErrorPages(MiddlewareMixin):
    """Errors that come from the data, not from a bug, get a clear page, never a 500.

    A number from the address that no database column holds (an admin filter's id with 30
    digits) is the client's error: our 400 page. Stored data that no configured key opens gets
    its own page, never ciphertext: support/fields.py raises InvalidToken when
    FIELD_ENCRYPTION_KEYS does not hold the key a value was written with (after a restore with
    the wrong keys, or a key dropped too early).
    Visitors are told to try later; staff are told what the operator must check; the log names
    the view, never the URL (it may hold a private link's token).
    """

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OverflowError) or (
            isinstance(exception, DataError)
            and isinstance(exception.__cause__, NumericValueOutOfRange)
        ):
            return render(request, "400.html", status=400)
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
