"""The page cache: pages that are the same for every visitor, kept by each app server.

Every cached page depends on one or more *domains* of what it shows, and is kept under their
versions, so a change shows at once on the app server that made it and within a second
(`VERSION_SECONDS`) on the others:

- `content`: the Markdown articles, versioned in process by the library (no query);
- `directory`: entries, groups, meetings and sign-ups (what the directory and group pages show);
- `availability`: helpers' offers, rules, exceptions and bookings (the free times), versioned
  per *key* (a helper): a page that shows some helpers' free times reads only their versions,
  so one visitor's hold empties only the pages of her helper.

The services and model changes that alter what a domain shows call `bump()` for it (support
maps its models to domains in one table) when they changed a row; nothing else does, so an
e-mail or a log row never empties a cache. The data domains' versions live in the `default`
cache (Redis, shared by the app servers; without it the cache table, with the transaction) and
are read in one call: a page served from memory asks the database nothing.

`ReadingPageCache` (middleware, per process, least recently used first, at most `MAX_ENTRIES`
pages and `MAX_BYTES`) holds whole responses of views marked `reading_page`, for requests
without cookies. The key is the path plus only the query parameters the view declared, each
with the one value the view reads (the last); only
200 answers are kept, so only values the view accepted become keys. A page with a form
(`csrf=True`) is kept with a placeholder where each visitor's CSRF token goes (and is served
to requests whose only cookie is the CSRF cookie); it is never marked for shared caches.

This module imports no app: apps register in-process versions with `register_version`.
"""

import functools
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Concatenate, Protocol, overload
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control

from portal.csrf import token_for

CONTENT = "content"
DIRECTORY = "directory"
AVAILABILITY = "availability"
DATA_DOMAINS = (DIRECTORY, AVAILABILITY)

# Where each visitor's CSRF token goes in a page kept for everyone.
CSRF_PLACEHOLDER = "csrf-token-placeholder-3f9c1e"

_process_versions: dict[str, Callable[[], Hashable]] = {}


def register_version(domain: str, version: Callable[[], Hashable]) -> None:
    """A domain whose version lives in this process (the Markdown library)."""
    _process_versions[domain] = version


class Unknown:
    """The version of a domain while the cache cannot be read: a new one each time, equal to
    no other, and no page is kept under it (the page is made anew from the database)."""


def _names(domain: str, keys: Iterable[int] | None) -> list[str]:
    """The cache entries a domain's version is made of. Free times are counted per helper:
    with `keys`, the changes counted for no helper and each helper's own; without, every
    change (`:any`)."""
    if domain != AVAILABILITY:
        return [f"page-version:{domain}"]
    if keys is None:
        return [f"page-version:{domain}:any"]
    return [f"page-version:{domain}", *(f"page-version:{domain}:{int(k)}" for k in keys)]


# How long an app server trusts the versions it read: a change made by another server shows on
# this one's kept pages within this time (this server's own changes at once).
VERSION_SECONDS = 1.0

# Versions this process read or set: name -> (value, when it was read).
_known: dict[str, tuple[str, float]] = {}


def versions(domains: Iterable[str], keys: Iterable[int] | None = None) -> tuple[Hashable, ...]:
    """The versions of `domains`, in their order, from the `default` cache (in one call, and
    at most once per `VERSION_SECONDS`).

    `keys`: only the changes counted for these keys (and those counted for no key) count;
    None: every change of the domains. A version is a random value set by `bump`; one that was
    never set or was lost (an evicted entry, an emptied Redis) is set anew, never to a value a
    page was kept under."""
    domains = tuple(domains)
    keys = None if keys is None else tuple(keys)
    wanted = {d: _names(d, keys) for d in domains if d in DATA_DOMAINS}
    now = time.monotonic()
    found = {
        name: known[0]
        for group in wanted.values()
        for name in group
        if (known := _known.get(name)) and now - known[1] < VERSION_SECONDS
    }
    names = [name for group in wanted.values() for name in group if name not in found]
    try:
        read = cache.get_many(names) if names else {}
        if missing := set(names) - set(read):
            read |= _set(missing)
    except Exception:  # the cache is down: made anew, never kept (see Unknown)
        return tuple(
            _process_versions[d]() if d in _process_versions else Unknown() for d in domains
        )
    _known.update((name, (value, now)) for name, value in read.items())
    found |= read
    return tuple(
        _process_versions[d]() if d in _process_versions else tuple(found[n] for n in wanted[d])
        for d in domains
    )


def _set(names: Iterable[str]) -> dict[str, str]:
    new = {name: secrets.token_hex(8) for name in names}
    cache.set_many(new, timeout=None)
    now = time.monotonic()
    _known.update((name, (value, now)) for name, value in new.items())
    return new


def bump(*domains: str, key: int | None = None) -> None:
    """Count a change to what `domains` show (of `key` only, e.g. one helper's free times;
    None: of everything in them).

    The version changes at once (in the database cache, with the surrounding transaction) and
    once more when that transaction commits: a page made in between (by another server, from
    the data as it was) is kept under the first new value, which the second replaces."""
    unknown = set(domains) - set(DATA_DOMAINS)
    if unknown:
        raise ValueError(f"not a data domain: {sorted(unknown)}")
    if key is not None and domains != (AVAILABILITY,):
        raise ValueError("only free times are counted per helper")
    names = [n for d in domains if d != AVAILABILITY for n in _names(d, None)]
    if AVAILABILITY in domains:
        # Every change counts for `:any`; for no helper it is every helper's, else hers.
        own = "" if key is None else f":{int(key)}"
        names += [f"page-version:{AVAILABILITY}:any", f"page-version:{AVAILABILITY}{own}"]
    _set(names)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _set(names), robust=True)


def minute() -> int:
    """For pages whose content changes with the clock (free times respect a notice period)."""
    return int(time.time() // 60)


def put_csrf_token(request: HttpRequest, page: str) -> str:
    """A page kept with the placeholder, with this visitor's token put in."""
    return page.replace(CSRF_PLACEHOLDER, token_for(request))


# The keys (helpers) of the data a keyed page shows, sorted; None for unkeyed pages.
type Keys = tuple[int, ...] | None


@dataclass(frozen=True)
class Scope:
    """What a reading page depends on besides its path and declared parameters."""

    domains: tuple[str, ...]
    params: tuple[str, ...]
    per_minute: bool = False
    csrf: bool = False
    keyed: bool = False

    def version(self, keys: Keys) -> tuple[Hashable, ...]:
        found = versions(self.domains, keys)
        return (*found, minute()) if self.per_minute else found

    def serves(self, request: HttpRequest) -> bool:
        """A GET with nothing of the reader's: no cookie but, on a page with a form, the CSRF
        cookie (whose token is put in each time)."""
        allowed = {settings.CSRF_COOKIE_NAME} if self.csrf else set()
        return request.method == "GET" and set(request.COOKIES) <= allowed


# The marks the page cache leaves on responses and requests. Django's classes have no field for
# them, so they are attributes under these names, set and read only in this module (views call
# `set_shared_page`, portal.middleware.shared_cache_control calls `is_shared_cacheable`).
_SCOPE_MARK = "reading_page"
_VERSION_MARK = "reading_page_version"
_SHARED_PAGE_MARK = "shared_page"
_SHARED_CACHE_MARK = "shared_cache"
_KNOWN_VERSION_MARK = "page_cache_version"
PARAMS_MARK = "reading_page_params"  # on a view: the query parameters its page depends on
_REQUEST_SCOPE_MARK = "reading_page_scope"


def set_shared_page(response: HttpResponseBase, page: str) -> None:
    """For a view marked `reading_page(csrf=True)`: the page as it is for every visitor like
    this one, with `CSRF_PLACEHOLDER` where the token goes, to be kept by the page cache."""
    setattr(response, _SHARED_PAGE_MARK, page)


def is_shared_cacheable(response: HttpResponseBase) -> bool:
    """Marked by `shared_cacheable` (or served from the page cache without a form)."""
    return bool(getattr(response, _SHARED_CACHE_MARK, False))


class ReadingPageDecorator(Protocol):
    """What `reading_page(...)` with options returns: a decorator that keeps the view's type."""

    def __call__[**P, R: HttpResponseBase](
        self, view: Callable[Concatenate[HttpRequest, P], R], /
    ) -> Callable[Concatenate[HttpRequest, P], R]: ...


@overload
def reading_page[**P, R: HttpResponseBase](
    view: Callable[Concatenate[HttpRequest, P], R], /
) -> Callable[Concatenate[HttpRequest, P], R]: ...


@overload
def reading_page(
    *,
    domains: Iterable[str] = (),
    params: Iterable[str] = (),
    per_minute: bool = False,
    csrf: bool = False,
    keyed: bool = False,
) -> ReadingPageDecorator: ...


def reading_page[**P, R: HttpResponseBase](
    view: Callable[Concatenate[HttpRequest, P], R] | None = None,
    /,
    *,
    domains: Iterable[str] = (),
    params: Iterable[str] = (),
    per_minute: bool = False,
    csrf: bool = False,
    keyed: bool = False,
) -> Callable[Concatenate[HttpRequest, P], R] | ReadingPageDecorator:
    """Mark a view whose page depends only on the path, the query parameters named in
    `params`, the Markdown content and the versions of `domains`: the same for every reader.

    `csrf`: the page holds a form. The view calls `set_shared_page(response, page)` with the
    page with `CSRF_PLACEHOLDER` where the token goes, when the visitor has nothing of her own
    on it.

    `keyed`: the page shows the data of some keys only (some helpers' free times); the view
    names them with `page_keys(request, keys)` before it reads that data.
    """
    scope = Scope(
        domains=(CONTENT, *domains),
        params=tuple(sorted(params)),
        per_minute=per_minute,
        csrf=csrf,
        keyed=keyed,
    )

    def decorate[**Q, S: HttpResponseBase](
        view: Callable[Concatenate[HttpRequest, Q], S],
    ) -> Callable[Concatenate[HttpRequest, Q], S]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, /, *args: Q.args, **kwargs: Q.kwargs) -> S:
            if scope.serves(request):
                setattr(request, _REQUEST_SCOPE_MARK, scope)
                if not scope.keyed:
                    page_keys(request, None)
            response = view(request, *args, **kwargs)
            setattr(response, _SCOPE_MARK, scope)
            setattr(response, _VERSION_MARK, getattr(request, _VERSION_MARK, None))
            return response

        # The arguments it reads, for the proxy's cache key (tests/test_nginx.py).
        setattr(wrapper, PARAMS_MARK, scope.params)
        return wrapper

    return decorate(view) if view is not None else decorate


def page_keys(request: HttpRequest, keys: Iterable[int] | None) -> bool:
    """Read the versions the page of this request is kept under, before the view reads what
    they count (so a change committed meanwhile can only make the page look older than it is,
    never newer). A view marked `keyed` calls it with the keys its page shows. True when the
    page may be kept for every reader like this one."""
    scope: Scope | None = getattr(request, _REQUEST_SCOPE_MARK, None)
    if scope is None:
        return False
    sorted_keys = None if keys is None else tuple(sorted(set(keys)))
    known: tuple[Scope, Keys, tuple[Hashable, ...]] | None = getattr(
        request, _KNOWN_VERSION_MARK, None
    )
    if known and known[:2] == (scope, sorted_keys):
        version = known[2]
    else:
        version = scope.version(sorted_keys)
    setattr(request, _VERSION_MARK, (sorted_keys, version))
    return True


@dataclass
class Entry:
    scope: Scope
    keys: Keys
    version: tuple[Hashable, ...]
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class ReadingPageCache:
    """Serve pages that are the same for every reader from memory, with all their headers.

    Only GET requests without cookies (readers who only read) and only responses that the view
    marked with `reading_page` and that set no cookie. Such a request has no session, no
    messages and no CSRF secret, so nothing of one reader can be in the page another gets; a
    page with a form gets each reader's own signed form token (portal/csrf.py), and no cookie.

    The key is the path plus only the query parameters the view declared, sorted: `?utm=…` or
    a random parameter never makes a new entry, and only a 200 answer is kept. The host is
    validated before a stored page is served, as it would be for a page made anew. The entry
    holds the versions of what the page is built from, so it is never stale. It sits below
    SecurityMiddleware, so HTTPS redirects and HSTS still apply to every hit.

    Pages without a form may also be kept by a shared cache (the reverse proxy in deploy/) for
    a few seconds: `shared_cacheable`.
    """

    MAX_ENTRIES = 1000
    MAX_BYTES = 32 * 1024 * 1024  # per process; the least recently used pages go first

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.entries: OrderedDict[str, Entry] = OrderedDict()
        # The query parameters each cached path's view reads, learnt from its first response.
        self.params: dict[str, tuple[str, ...]] = {}
        self.size = 0
        self.lock = threading.Lock()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method != "GET" or set(request.COOKIES) - {settings.CSRF_COOKIE_NAME}:
            return self.get_response(request)
        try:
            request.get_host()
        except DisallowedHost:
            return self.get_response(request)  # answered 400 by the stack, never from here
        params = self.params.get(request.path)
        key = self._key(request, params) if params is not None else None
        entry = self.entries.get(key) if key is not None else None
        if key is not None and entry is not None and entry.scope.serves(request):
            current = entry.scope.version(entry.keys)
            if entry.version == current:
                with self.lock:
                    if key in self.entries:
                        self.entries.move_to_end(key)
                return self._answer(request, entry)
            # Read once per request: the view's own read of the same versions reuses it.
            setattr(request, _KNOWN_VERSION_MARK, (entry.scope, entry.keys, current))
        response = self.get_response(request)
        scope: Scope | None = getattr(response, _SCOPE_MARK, None)
        read: tuple[Keys, tuple[Hashable, ...]] | None = getattr(response, _VERSION_MARK, None)
        if scope is None or read is None or response.status_code != 200 or response.streaming:
            return response
        if any(isinstance(v, Unknown) for v in read[1]):
            return response  # the versions could not be read: not kept
        if scope.csrf:
            page: str | None = getattr(response, _SHARED_PAGE_MARK, None)
            if page is None or response.cookies:
                return response
            body = page.encode()
        elif response.cookies:
            return response
        else:
            shared_cacheable(response)
            body = response.content
        self._store(request, scope, read, response, body)
        return response

    def _answer(self, request: HttpRequest, entry: Entry) -> HttpResponseBase:
        body = entry.body
        if entry.scope.csrf:
            body = put_csrf_token(request, body.decode()).encode()
        response = HttpResponse(body, status=entry.status)
        for name, value in entry.headers:
            response.headers[name] = value
        if "Content-Length" in response.headers:
            response.headers["Content-Length"] = str(len(body))
        if entry.scope.csrf:
            return response  # her own signed form token, and no cookie (portal/csrf.py)
        setattr(response, _SHARED_CACHE_MARK, True)
        return response

    def _store(
        self,
        request: HttpRequest,
        scope: Scope,
        read: tuple[Keys, tuple[Hashable, ...]],
        response: HttpResponse,
        body: bytes,
    ) -> None:
        key = self._key(request, scope.params)
        headers = [(n, v) for n, v in response.headers.items() if n.lower() != "set-cookie"]
        with self.lock:
            self.params[request.path] = scope.params
            if (old := self.entries.pop(key, None)) is not None:
                self.size -= len(old.body)
            self.entries[key] = Entry(scope, *read, response.status_code, headers, body)
            self.size += len(body)
            while len(self.entries) > self.MAX_ENTRIES or self.size > self.MAX_BYTES:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.body)

    @staticmethod
    def _key(request: HttpRequest, params: tuple[str, ...]) -> str:
        # The value a view reads of a repeated parameter is the last (`request.GET[name]`, and
        # every form field we have): `?week=<junk>&week=<monday>` is the page of that Monday,
        # kept under its key, not under a new one for every junk value.
        values = [(name, request.GET[name]) for name in params if name in request.GET]
        return f"{request.path}?{urlencode(values)}" if values else request.path


def shared_cacheable(response: HttpResponse) -> HttpResponse:
    """A reading page, asked for without cookies and setting none: the same for everyone.

    The reverse proxy (nginx, deploy/) may keep it for a few seconds: `X-Accel-Expires`, which
    nginx reads and never passes on; it serves a stale copy while one request refreshes it or
    while the app cannot answer (its `proxy_cache_use_stale`). The browser gets
    `Cache-Control: no-store`: a shared or watched phone keeps no copy of what was read in its
    disk cache, and no other cache on the way stores it. `X-Accel-Expires` comes before
    `Cache-Control`, so nginx (1.22 reads them in order) lets it win. `Vary: Cookie` keeps the
    stored copy from a request that carries cookies. The language comes from the path, so
    `Accept-Language` is no part of the key.
    """
    del response.headers["Cache-Control"]
    del response.headers["Expires"]
    response.headers["X-Accel-Expires"] = str(settings.READING_PAGE_SHARED_SECONDS)
    patch_cache_control(response, no_store=True)
    vary = [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]
    vary = [v for v in vary if v.lower() not in ("accept-language", "cookie")]
    response.headers["Vary"] = ", ".join([*vary, "Cookie"])
    setattr(response, _SHARED_CACHE_MARK, True)
    return response
