"""The person page for the personal-data officer: look up, export and erase what the portal
holds about one e-mail address. Every look-up is written to the access log."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from http import HTTPStatus

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from practice.accounts import is_staff_member
from practice.forms import EraseForm, PersonForm
from practice.models import AccessAction
from practice.services import access_log, has_explicit_permission
from support import privacy
from support.fields import email_digest


def personal_data_officer(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff given the permission to handle personal data by name (superusers included only
    when it was given to them too)."""

    @wraps(view)
    @never_cache
    @sensitive_post_parameters()
    @login_required
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not (
            is_staff_member(request.user)
            and has_explicit_permission(request.user, "handle_personal_data")
        ):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _person_page(
    request: HttpRequest, form: PersonForm, *, status: int = HTTPStatus.OK, **extra: object
) -> HttpResponse:
    records = None
    if form.is_bound and form.is_valid():
        email = form.cleaned_data["email"]
        records = privacy.person_records(email)
        # Every look-up is an access, whether it finds something or not.
        access_log(request=request, action=AccessAction.LOOK_UP, record=_subject_record(email))
    elif form.is_bound:
        status = HTTPStatus.BAD_REQUEST
    erase_form = extra.pop("erase_form", None) or (
        EraseForm(initial={"email": records.email}) if records else None
    )
    context = {"form": form, "records": records, "erase_form": erase_form, **extra}
    return render(request, "practice/person.html", context, status=status)


@require_http_methods(["GET", "POST"])
@personal_data_officer
def person(request: HttpRequest) -> HttpResponse:
    # POST, so the address never stands in a URL, a log line or the browser history.
    return _person_page(request, PersonForm(request.POST if request.method == "POST" else None))


def _subject_record(email: str) -> str:
    return f"persoon {email_digest(email)[:16]}"


@require_POST
@personal_data_officer
def person_export(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST)
    if not form.is_valid():
        return _person_page(request, form)
    email = form.cleaned_data["email"]
    data = privacy.person_export(privacy.person_records(email))
    access_log(request=request, action=AccessAction.EXPORT, record=_subject_record(email))
    if request.POST.get("format") == "html":
        readable = {key: _readable(value) for key, value in data.items() if isinstance(value, list)}
        return render(request, "practice/person_export.html", {"data": data, **readable})
    return JsonResponse(
        data,
        json_dumps_params={"ensure_ascii": False, "indent": 2},
        headers={"Content-Disposition": 'attachment; filename="gegevens.json"'},
    )


def _text(value: object) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_text(item)}" for key, item in value.items())
    if isinstance(value, list):
        return "\n".join(_text(item) for item in value) or "–"
    return "–" if value is None or value == "" else str(value)


def _readable(rows: list[dict[str, object]]) -> list[list[tuple[str, str]]]:
    """The export's rows as (field, text) pairs for the HTML page."""
    return [[(name, _text(value)) for name, value in row.items()] for row in rows]


@require_POST
@personal_data_officer
def person_erase(request: HttpRequest) -> HttpResponse:
    form = EraseForm(request.POST)
    if not form.is_valid():
        person_form = PersonForm(request.POST)
        return _person_page(request, person_form, erase_form=form, status=HTTPStatus.BAD_REQUEST)
    email = form.cleaned_data["email"]
    try:
        erasure = privacy.person_erase(privacy.person_records(email))
    except privacy.StaffAccount:
        return _person_page(
            request,
            PersonForm(request.POST),
            erase_form=form,
            error=_("Dit adres hoort bij een medewerker. Beëindig dat account in het beheer."),
            status=HTTPStatus.CONFLICT,
        )
    access_log(request=request, action=AccessAction.ERASE, record=_subject_record(email))
    return render(request, "practice/person_erased.html", {"erasure": erasure})
