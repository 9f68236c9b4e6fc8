"""Every named URL of the site answers a plain visit as expected.

The table is tests/url_table.py's URLS (shared with the bad-input and shared-cache tests): each
name is asked for, with real arguments (a group, an offer, a booking's and a partner's private
link, a signup link, an article) and as its role would, staff logged in with their password and
second factor. The answer must be the one the table names: a page, or a redirect to where it
should lead, or a refusal. The admin's pages follow from its registry. A named URL without an
entry fails `test_every_named_url_has_an_entry`.
"""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from tests.staff_fixtures import PASSWORD
from tests.url_table import (  # noqa: F401
    ADMIN_URLS,
    REAUTH,
    URLS,
    client_for,
    context,
    named_urls,
)

pytestmark = pytest.mark.django_db

ADMIN_MODEL_VIEWS = ("changelist", "add", "change", "delete", "history")


def is_admin_model_url(name: str) -> bool:
    namespace, _, view = name.partition(":")
    return namespace == "admin" and any(view.endswith(f"_{v}") for v in ADMIN_MODEL_VIEWS)


def test_every_named_url_has_an_entry() -> None:
    names = set(named_urls())
    missing = sorted(
        n for n in names if n not in URLS and n not in ADMIN_URLS and not is_admin_model_url(n)
    )
    assert not missing, f"add these URLs to tests/url_table.py: {missing}"
    assert not (set(URLS) | set(ADMIN_URLS)) - names, "entries for URLs that no longer exist"
    # Every model the admin lists has all five of its pages under the names tested below.
    for model in admin.site._registry:
        for view in ADMIN_MODEL_VIEWS:
            assert f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}" in names


def answer(response) -> str:
    return f"{response.status_code} {response.get('Location', '')}".strip()


@pytest.mark.parametrize("name", sorted(URLS))
def test_each_named_url_answers_its_role(name: str, context) -> None:  # noqa: F811
    entry = URLS[name]
    path = reverse(name, kwargs=entry.kwargs(context) if entry.kwargs else {})
    client = client_for(entry.role, context, log_in=True)
    response = client.get(path)
    expected = f"{int(entry.status)} {entry.location}".strip()
    full = got = answer(response)
    if entry.location:
        got = got[: len(expected)]  # a redirect's target may carry a query string
    assert got == expected, f"GET {path} as {entry.role}: {full}"


BEHIND_REAUTHENTICATION = sorted(n for n, e in URLS.items() if e.location == REAUTH["location"])
AFTER_REAUTHENTICATION = {
    "mfa_activate_totp": "302 /account/2fa/totp/deactivate/",  # she has TOTP already
    "mfa_edit_webauthn": "404",  # no passkey 999 (a passkey needs a real authenticator device)
    "mfa_remove_webauthn": "404",
}


@pytest.mark.parametrize("name", BEHIND_REAUTHENTICATION)
def test_pages_behind_reauthentication_open_after_it(name: str, context) -> None:  # noqa: F811
    entry = URLS[name]
    path = reverse(name, kwargs=entry.kwargs(context) if entry.kwargs else {})
    client = client_for(entry.role, context, log_in=True)
    response = client.post(
        f"{reverse('account_reauthenticate')}?next={path}", {"password": PASSWORD}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert answer(client.get(path)) == AFTER_REAUTHENTICATION.get(name, "200")


@pytest.mark.parametrize("name", sorted(ADMIN_URLS))
def test_each_admin_page_answers(name: str, context) -> None:  # noqa: F811
    entry = ADMIN_URLS[name]
    path = reverse(name, kwargs=entry.kwargs(context) if entry.kwargs else {})
    client = client_for(entry.role, context, log_in=entry.role != "anonymous")
    expected = f"{int(entry.status)} {entry.location}".strip()
    full = got = answer(client.get(path))
    if entry.location:
        got = got[: len(expected)]
    assert got == expected, f"GET {path} as {entry.role}: {full}"


def test_every_admin_model_page_answers_the_superuser(context) -> None:  # noqa: F811
    """Each registered model's list, add form, an existing row's change, delete and history
    pages (a model without rows is asked for its list and add form only)."""
    client = client_for("superuser", context, log_in=True)
    answers = {}
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        request_like = RequestFactory().get(reverse(f"{name}_changelist"))
        request_like.user = context["superuser"]
        can_add = model_admin.has_add_permission(request_like)
        pages = {f"{name}_changelist": (reverse(f"{name}_changelist"), HTTPStatus.OK)}
        pages[f"{name}_add"] = (
            reverse(f"{name}_add"),
            HTTPStatus.OK if can_add else HTTPStatus.FORBIDDEN,
        )
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            can_delete = model_admin.has_delete_permission(request_like, row)
            pages[f"{name}_change"] = (reverse(f"{name}_change", args=[row.pk]), HTTPStatus.OK)
            pages[f"{name}_history"] = (reverse(f"{name}_history", args=[row.pk]), HTTPStatus.OK)
            pages[f"{name}_delete"] = (
                reverse(f"{name}_delete", args=[row.pk]),
                HTTPStatus.OK if can_delete else HTTPStatus.FORBIDDEN,
            )
        for page, (path, status) in pages.items():
            answers[page] = (client.get(path).status_code, int(status))
    wrong = {page: got for page, got in answers.items() if got[0] != got[1]}
    assert not wrong, f"(got, expected) per page: {wrong}"
    assert len(answers) >= 2 * len(admin.site._registry)
