"""The helper's side of every request: a staff member without a second factor sets one up."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.deprecation import MiddlewareMixin

from practice.accounts import has_second_factor, is_staff_member

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
    # Fetched by calendar clients with its own token, whoever's session comes along.
    "calendar_feed",
}


class RequireStaffSecondFactor(MiddlewareMixin):
    """allauth offers a second factor but never demands one: we do, for every staff account.

    A staff member (admin user or helper) logged in without TOTP or a passkey sees nothing but
    the page to set one up, so neither the dashboard nor the admin is reachable without it.
    """

    def process_view(
        self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.url_name in MFA_SETUP_VIEWS:
            return None
        user = request.user
        if not is_staff_member(user) or has_second_factor(user):
            return None
        return redirect("mfa_activate_totp")
