"""Accounts with django-allauth: who counts as staff, and the adapter.

Staff (helpers, coordinators, administrators) log in with e-mail address, password and a second
factor; `practice.middleware.RequireStaffSecondFactor` sends a staff member without one to set it
up.
Visitors have no account: they reach "Mijn afspraken" with an e-mail code (support/visitor.py).
"""

from __future__ import annotations

import time
from typing import TypeGuard

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse

from support.models import Helper

SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


# Where `helper_of` keeps its answer on the user object (Django's User has no field for it).
_HELPER_MARK = "_houvast_helper"


def helper_of(user: User | AnonymousUser) -> Helper | None:
    """The directory's helper entry this account belongs to, or None (cached on the user)."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, _HELPER_MARK):
        setattr(user, _HELPER_MARK, Helper.objects.filter(user=user).first())
    helper: Helper | None = getattr(user, _HELPER_MARK)
    return helper


def is_staff_member(user: User | AnonymousUser) -> TypeGuard[User]:
    """Anyone who works on the portal: admin users and helpers with an account."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or helper_of(user) is not None


def has_second_factor(user: User) -> bool:
    # Recovery codes alone are no second factor: they are the way back to one.
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # staff are invited from the admin; visitors need no sign-up

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Signed with the site's neutral name, never its domain (a domain can say too much).
        super().send_mail(
            template_prefix, email, {**context, "houvast_site_name": settings.SITE_NAME}
        )

    def is_reauthentication_required(self, *, app: str, **kwargs: object) -> bool:
        # Setting up the first second factor right after logging in with a password: asking
        # for that password again at once would only confuse.
        request = context.request
        if app == "allauth.mfa" and request is not None and request.user.is_authenticated:
            records = get_authentication_records(request, request.user)
            fresh = bool(records) and (
                time.time() - records[-1]["at"] < account_settings.REAUTHENTICATION_TIMEOUT
            )
            if fresh and not has_second_factor(request.user):
                return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if helper_of(user) is not None:
            return reverse("practice:dashboard")
        if user.is_staff:
            return reverse("admin:index")
        return reverse("support:my_bookings")


def keep_used_codes_for_their_window() -> None:
    """allauth marks a used authenticator code for one period; with MFA_TOTP_TOLERANCE a code is
    valid for 2 × tolerance + 1 periods, so it stays marked that long: each code works once."""

    def mark_code_used(self: TOTP, code: str) -> bool:
        window = mfa_settings.TOTP_PERIOD * (2 * mfa_settings.TOTP_TOLERANCE + 1)
        return bool(cache.add(self._get_used_cache_key(code), "y", timeout=window))

    TOTP._mark_code_used = mark_code_used
