"""The directory's pages and the sign-up for a peer group."""

from collections import Counter
from http import HTTPStatus
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from articles.views import PAGE_PARAM
from portal import ratelimit
from portal.pagecache import DIRECTORY, reading_page
from support import links
from support.booking import selectors
from support.directory import services as directory_services
from support.forms import DirectoryFilterForm, SignupForm
from support.models import Entry, Kind, PeerGroup, SignupStatus

# A phone screen of cards at a time; the filters narrow a long list.
ENTRIES_PER_PAGE = 40
KIND_ORDER = {kind: number for number, kind in enumerate(Kind)}
GROUP_KINDS = (Kind.PEER_GROUP, Kind.GROUP_PROVIDER)
PROVE_FIELD = "bevestigen"  # the button on a pending sign-up's page


@require_GET
@reading_page(domains=(DIRECTORY,), params=(*DirectoryFilterForm.base_fields, PAGE_PARAM))
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    filters = form.cleaned_filters() if request.GET else {}
    entries = sorted(
        Entry.objects.matching(filters), key=lambda e: (KIND_ORDER[Kind(e.kind)], e.name)
    )
    totals = Counter(entry.kind for entry in entries)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get(PAGE_PARAM))
    # Grouped by kind, each heading with the count of its kind across all pages.
    groups = [
        (kind, [e for e in page.object_list if e.kind == kind], totals[kind])
        for kind in Kind
        if any(e.kind == kind for e in page.object_list)
    ]
    return render(
        request,
        "support/directory.html",
        {
            "form": form,
            "groups": groups,
            "count": len(entries),
            "filtered": bool(filters),
            # Men who look for a group of their own: say so when none fits, never an empty list.
            "no_group_for_men": filters.get("mannen")
            and not any(e.kind in GROUP_KINDS and e.for_betrayed_partner for e in entries),
            "page": page,
            # Only values the form accepted go into the page links.
            "query_prefix": urlencode({name: request.GET[name] for name in filters}),
        },
    )


@require_GET
@reading_page(domains=(DIRECTORY,))
def entry_detail(request: HttpRequest, slug: str) -> HttpResponse:
    entries = Entry.objects.active().select_related(
        "organisation", "forum", "helper__practice", "peergroup__organiser"
    )
    entry = get_object_or_404(entries, slug=slug)
    context: dict[str, object] = {"entry": entry}
    if entry.kind == Kind.PEER_GROUP:
        group = entry.peergroup
        context["group"] = group
        context["meetings"] = list(group.meetings.upcoming()[:6])
    elif entry.kind == Kind.HELPER:
        context["helper"] = entry.helper
        # Straight into her own booking: offers change with the directory's version too.
        context["helper_offers"] = list(selectors.bookable_offers().filter(helper=entry.helper))
    elif entry.kind == Kind.FORUM:
        context["forum"] = entry.forum
    return render(request, "support/entry_detail.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters()
def signup(request: HttpRequest, slug: str) -> HttpResponse:
    group = get_object_or_404(PeerGroup.objects.active().select_related("organiser"), slug=slug)
    status = HTTPStatus.OK
    if request.method == "POST":
        form = SignupForm(request.POST)
        if limited := ratelimit.refusal(request, ratelimit.SIGNUP):
            form.is_valid()
            form.add_error(None, limited)
            status = HTTPStatus.TOO_MANY_REQUESTS
        elif not group.is_open:
            form.is_valid()
            form.add_error(None, _("Deze groep is gesloten. Aanmelden kan nu niet."))
            status = HTTPStatus.CONFLICT
        elif form.is_valid():
            directory_services.group_signup(
                group=group,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                message=form.cleaned_data["message"],
            )
            # The same answer whether the address was new here or already had a place: the
            # link to the place goes only to the address, never to whoever typed it.
            return render(request, "support/signup_sent.html", {"group": group})
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
    """A sign-up's private link: first to prove the address (a button, so a mail scanner that
    opens links proves nothing), then to see or cancel the place."""
    signup_ = links.signup_from_token(token)
    if signup_ is None:
        raise Http404
    proving = request.method == "POST" and PROVE_FIELD in request.POST
    if signup_.status == SignupStatus.PENDING:
        if proving and directory_services.signup_prove(signup=signup_) is not None:
            return redirect(request.path)
        lapsed = signup_.proof_deadline <= timezone.now()
        return render(
            request,
            "support/signup_confirm.html",
            {"signup": signup_, "group": signup_.group, "lapsed": lapsed},
            status=HTTPStatus.GONE if lapsed else HTTPStatus.OK,
        )
    if proving:  # a second click on the button: nothing changes
        return redirect(request.path)
    if request.method == "POST":
        directory_services.group_signup_cancel(signup=signup_)
        return render(request, "support/signup_cancelled.html", {"group": signup_.group})
    return render(
        request,
        "support/signup_manage.html",
        {
            "signup": signup_,
            "group": signup_.group,
        },
    )
