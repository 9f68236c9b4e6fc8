from http import HTTPStatus

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from support import services
from support.forms import DirectoryFilterForm, SignupForm
from support.models import AUDIENCE_FIELDS, Entry, Kind, PeerGroup

# Kinds in the order a reader in need meets them.
KIND_ORDER = [
    Kind.PEER_GROUP,
    Kind.FORUM,
    Kind.HELPER,
    Kind.ORGANISATION,
    Kind.GROUP_PROVIDER,
    Kind.PRACTICE,
    Kind.MEDICAL,
    Kind.CRISIS_LINE,
]
SIGNUP_LIMIT = 10  # sign-up attempts per client per window
SIGNUP_WINDOW = 10 * 60


def filtered_entries(filters: dict[str, str]):
    entries = Entry.objects.active()
    if kind := filters.get("soort"):
        entries = entries.filter(kind=kind)
    if audience := filters.get("voor"):
        entries = entries.filter(**{AUDIENCE_FIELDS[audience]: True})
    if where := filters.get("waar"):
        entries = entries.filter(online=True) if where == "online" else entries.in_province(where)
    if faith := filters.get("geloof"):
        entries = entries.filter(faith_based=faith == "ja")
    if cost := filters.get("kosten"):
        entries = entries.filter(cost=cost)
    return entries


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    filters = form.cleaned_filters() if request.GET else {}
    entries = list(filtered_entries(filters).order_by("name"))
    groups = [
        (kind, [e for e in entries if e.kind == kind])
        for kind in KIND_ORDER
        if any(e.kind == kind for e in entries)
    ]
    return render(
        request,
        "support/directory.html",
        {"form": form, "groups": groups, "count": len(entries), "filtered": bool(filters)},
    )


def _entry_or_404(slug: str) -> Entry:
    entry = get_object_or_404(
        Entry.objects.active().select_related(
            "organisation",
            "forum",
            "helper__practice",
            "peergroup__organiser",
        ),
        slug=slug,
    )
    return entry


@require_GET
def entry_detail(request: HttpRequest, slug: str) -> HttpResponse:
    entry = _entry_or_404(slug)
    context: dict[str, object] = {"entry": entry}
    if entry.kind == Kind.PEER_GROUP:
        group = entry.peergroup
        context["group"] = group
        context["meetings"] = list(group.meetings.upcoming()[:6])
    elif entry.kind == Kind.HELPER:
        context["helper"] = entry.helper
    elif entry.kind == Kind.FORUM:
        context["forum"] = entry.forum
    return render(request, "support/entry_detail.html", context)


def _client_key(request: HttpRequest) -> str:
    return f"signup-attempts:{request.META.get('REMOTE_ADDR', 'unknown')}"


def _too_many_attempts(request: HttpRequest) -> bool:
    key = _client_key(request)
    cache.add(key, 0, SIGNUP_WINDOW)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, SIGNUP_WINDOW)
        attempts = 1
    return attempts > SIGNUP_LIMIT


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest, slug: str) -> HttpResponse:
    group = get_object_or_404(PeerGroup.objects.active().select_related("organiser"), slug=slug)
    status = HTTPStatus.OK
    if request.method == "POST":
        form = SignupForm(request.POST)
        if _too_many_attempts(request):
            form.is_valid()
            form.add_error(
                None,
                _(
                    "Je hebt het formulier vaak verstuurd. "
                    "Wacht tien minuten en probeer het dan opnieuw."
                ),
            )
            status = HTTPStatus.TOO_MANY_REQUESTS
        elif not group.is_open:
            form.is_valid()
            form.add_error(None, _("Deze groep is gesloten. Aanmelden kan nu niet."))
            status = HTTPStatus.CONFLICT
        elif form.is_valid():
            try:
                result = services.group_signup(
                    group=group,
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    phone=form.cleaned_data["phone"],
                    message=form.cleaned_data["message"],
                )
            except services.GroupClosed:
                form.add_error(None, _("Deze groep is gesloten. Aanmelden kan nu niet."))
                status = HTTPStatus.CONFLICT
            else:
                response = redirect(services.signup_url(result.signup))
                if not result.created:
                    response["Location"] += "?al-aangemeld=1"
                return response
        else:
            status = HTTPStatus.BAD_REQUEST
    else:
        form = SignupForm()
    return render(
        request, "support/signup_form.html", {"group": group, "form": form}, status=status
    )


@never_cache
@require_http_methods(["GET", "POST"])
def signup_manage(request: HttpRequest, token: str) -> HttpResponse:
    signup_ = services.signup_from_token(token)
    if signup_ is None:
        raise Http404
    if request.method == "POST":
        services.group_signup_cancel(signup=signup_)
        return render(request, "support/signup_cancelled.html", {"group": signup_.group})
    return render(
        request,
        "support/signup_manage.html",
        {
            "signup": signup_,
            "group": signup_.group,
            "already": request.GET.get("al-aangemeld") == "1",
        },
    )


@require_GET
def booking_start(request: HttpRequest) -> HttpResponse:
    return render(request, "support/booking_start.html")
