"""Pages of the frame that belong to no app: crisis help, safety, privacy, quick exit, and the
operator's health, readiness and metrics."""

import sys
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from portal import observability
from portal.pagecache import reading_page


@require_GET
@reading_page
def crisis_help(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/crisis_help.html")


@require_GET
@reading_page
def safe_browsing(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/safe_browsing.html")


# The English way in (issue 27): one page written for English readers. In Dutch the same
# place is the Dutch article for the first night.
DUTCH_FIRST_NIGHT_ARTICLE = "net-ontdekt-vannacht"


@require_GET
@reading_page
def english_start(request: HttpRequest) -> HttpResponse:
    if get_language() != "en":
        return redirect("articles:detail", slug=DUTCH_FIRST_NIGHT_ARTICLE)
    return render(request, "pages/english_start.html")


@require_GET
@reading_page
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "retention_days": settings.INTAKE_RETENTION_DAYS,
        "my_bookings_url": reverse("support:my_bookings"),
    }
    return render(request, "pages/privacy.html", context)


@never_cache
def quick_exit(request: HttpRequest) -> HttpResponse:
    """End the visit: forget the session, ask the browser to forget this site, go elsewhere."""
    if hasattr(request, "session"):
        request.session.flush()
    response = HttpResponseRedirect(settings.QUICK_EXIT_URL)
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    response["Referrer-Policy"] = "no-referrer"
    return response


def unavailable(error: BaseException | None) -> bool:
    """Whether an error means that the database or Redis cannot be reached (not a bug of ours)."""
    kinds = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, kinds):
            return True
        error = error.__cause__ or error.__context__
    return False


# Django's own 400, 403 and 404 handlers ask for a CSRF token first (`requires_csrf_token`),
# which with the secret in the session (CSRF_USE_SESSIONS) fails for an error raised above the
# session middleware (a bad Host header, an undecodable form). Our error pages hold no form; a
# template that did would get portal.csrf's token, which needs no session.
def _error_page(status: int) -> Callable[[HttpRequest, Exception], HttpResponse]:
    return lambda request, exception: render(request, f"{status}.html", status=status)


bad_request = _error_page(400)
permission_denied = _error_page(403)
page_not_found = _error_page(404)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the database or Redis out of reach gives our Dutch 503 page, to be tried
    again in a minute; anything else our 500 page. Both rendered without the request, so
    nothing that failed (session, database) is touched again."""
    if unavailable(sys.exc_info()[1]):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())


def _storage_problem() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return "database unavailable"
    for alias in settings.CACHES:
        try:
            caches[alias].get("healthz")
        except Exception:  # a missing table, Redis down: the same for the operator
            return f"cache {alias} unavailable"
    return None


def _health(request: HttpRequest, problem: str | None) -> HttpResponse:
    """200 `ok`, or 503: with the reason for the monitoring (METRICS_TOKEN or
    METRICS_ALLOWED_IPS), a bare `unavailable` for everyone else (the reason names the
    services and how the worker is doing)."""
    if problem is None:
        return HttpResponse("ok\n", content_type="text/plain")
    text = problem if observability.metrics_allowed(request) else "unavailable"
    return HttpResponse(text + "\n", status=503, content_type="text/plain")


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database and every cache answer; 503, never a traceback, when one fails.

    The caches count: the rate limits of every login and form live in "default".
    """
    return _health(request, _storage_problem())


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready to serve: database and caches answer, and every check in READINESS_CHECKS (the
    worker has beaten within the last two minutes) passes. 503 otherwise."""
    problem = _storage_problem()
    for path in settings.READINESS_CHECKS:
        if problem is not None:
            break
        problem = import_string(path)()
    return _health(request, problem)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for the bearer token METRICS_TOKEN or from METRICS_ALLOWED_IPS."""
    if not observability.metrics_allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(
        observability.metrics_text(), content_type=observability.CONTENT_TYPE_LATEST
    )


# Pages that hold personal data or are useless to index; both languages.
ROBOTS_DISALLOWED = (
    "/afspraak/",
    "/mijn-afspraken/",
    "/account/",
    "/praktijk/",
    "/beheer/",
    "/exit/",
    "/zoeken/",
)


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *"]
    for prefix in ROBOTS_DISALLOWED:
        lines += [f"Disallow: {prefix}", f"Disallow: /en{prefix}"]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
