"""Writes of the staff side: the access log, invitations, roles and second-factor resets."""

from __future__ import annotations

import datetime
import hashlib

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from practice.accounts import is_staff_member
from practice.models import AccessAction, AccessLogEntry
from support.models import Helper
from support.operations import COORDINATORS
from support.outbox import email_queue, seal, staff_email_send

# What a coordinator may do in the admin: keep the directory and the group sign-ups, follow
# bookings by time and status, read the access log. Intake answers are in none of these.
COORDINATOR_PERMISSIONS = {
    "support": [
        f"{action}_{model}"
        for model in ("organisation", "forum", "helper", "peergroup", "meeting",
                      "conversationtype", "offer", "availabilityrule", "availabilityexception")
        for action in ("add", "change", "delete", "view")
    ] + ["view_signup", "change_signup", "view_booking", "view_outgoingemail",
         "change_outgoingemail"],
    "practice": ["view_accesslogentry"],
}  # fmt: skip


def session_reference(request: HttpRequest) -> str:
    key = request.session.session_key or ""
    return hashlib.sha256(key.encode()).hexdigest()[:16] if key else "-"


def access_log(*, request: HttpRequest, action: AccessAction, record: str) -> AccessLogEntry:
    """Write down one access: who, when, what kind of record, from which session."""
    user = request.user
    assert isinstance(user, User), "only views behind a staff login write the access log"
    return AccessLogEntry.objects.create(
        user=user,
        user_email=user.email,
        action=action,
        record=record,
        session=session_reference(request),
    )


def has_explicit_permission(user: User, codename: str, app_label: str = "practice") -> bool:
    """A permission given to this account or its groups by name: being a superuser is not
    enough (Django's `has_perm` says yes to superusers for everything)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return Permission.objects.filter(
        Q(user=user) | Q(group__user=user),
        codename=codename,
        content_type__app_label=app_label,
    ).exists()


def coordinator_group() -> Group:
    group, _created = Group.objects.get_or_create(name=COORDINATORS)
    wanted = Q()
    for app_label, codenames in COORDINATOR_PERMISSIONS.items():
        wanted |= Q(content_type__app_label=app_label, codename__in=codenames)
    group.permissions.set(Permission.objects.filter(wanted))
    return group


class StaffRole:
    HELPER = "helper"
    COORDINATOR = "coordinator"


def staff_invite(*, email: str, role: str, helper: Helper | None = None) -> User:
    """Make a staff account without a password and e-mail an invitation to choose one.

    The second factor is asked for at the first login
    (practice.middleware.RequireStaffSecondFactor).
    """
    email = email.strip()
    with transaction.atomic():
        user = User(
            username=email.lower()[:150], email=email, is_staff=role == StaffRole.COORDINATOR
        )
        user.set_unusable_password()
        user.save()
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
        if role == StaffRole.COORDINATOR:
            user.groups.add(coordinator_group())
        elif helper is not None:
            Helper.objects.filter(pk=helper.pk).update(user=user)
        staff_invitation_send(user=user)
    return user


def invitation_url(user: User) -> str:
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return settings.SITE_URL + path.replace("UID-KEY", key)


def staff_invitation_send(*, user: User) -> None:
    """(Again) e-mail the link to choose a password, valid for PASSWORD_RESET_TIMEOUT: through
    the outbox, like every e-mail that can wait for the worker and its retries."""
    with transaction.atomic():
        email_queue(kind="staff_invitation", user=user, sealed=seal(url=invitation_url(user)))


def invitation_accepted(*, user: User) -> None:
    """Choosing a password through the e-mailed link proves the address is hers."""
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True)


# -- a lost second factor -----------------------------------------------------------------------
# Nobody removes another account's second factor in the admin. When a staff member has lost
# hers, two other staff members reset it with `manage.py reset_second_factor`: the first asks,
# a different one confirms within a day; each proves who she is with her own authenticator code.
# Both steps are written to the access log and the account's owner is e-mailed at each step, so
# a reset she did not ask for does not go unnoticed. Her password stays as it was.

SECOND_FACTOR_RESET_WINDOW = datetime.timedelta(hours=24)


class ResetRefused(Exception):
    """The reset step is not allowed; the message says why (for the operator)."""


def proves_identity(user: User, code: str) -> bool:
    """The code is the user's current authenticator code, or one of her unused recovery codes."""
    code = code.strip()
    authenticators = Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
    )
    return bool(code) and any(a.wrap().validate_code(code) for a in authenticators)


def second_factor_reset(
    *, account: User, by: User, code: str, now: datetime.datetime | None = None
) -> bool:
    """One step of the two-person reset of `account`'s second factor, done by `by`.

    The first step asks (False is returned); a second step by another staff member within
    SECOND_FACTOR_RESET_WINDOW removes every authenticator of the account (True).
    """
    now = now or timezone.now()
    if not is_staff_member(account):
        raise ResetRefused("Only a staff account has a second factor to reset.")
    if not (by.is_active and is_staff_member(by)):
        raise ResetRefused("Only an active staff member can take part in a reset.")
    if by.pk == account.pk:
        raise ResetRefused("Two other staff members reset a second factor, never its owner.")
    if not proves_identity(by, code):
        raise ResetRefused("That is not a valid code of your own authenticator.")
    record = f"account {account.pk}"
    with transaction.atomic():
        last = (
            AccessLogEntry.objects.filter(
                record=record,
                action__in=[
                    AccessAction.SECOND_FACTOR_RESET_ASKED,
                    AccessAction.SECOND_FACTOR_RESET,
                ],
            )
            .order_by("-at", "-pk")
            .first()
        )
        asked = (
            last is not None
            and last.action == AccessAction.SECOND_FACTOR_RESET_ASKED
            and last.at > now - SECOND_FACTOR_RESET_WINDOW
        )
        if asked and last is not None and last.user_id == by.pk:
            raise ResetRefused("A second, different staff member must confirm this reset.")
        if asked:
            Authenticator.objects.filter(user=account).delete()
            action, kind = AccessAction.SECOND_FACTOR_RESET, "second_factor_reset"
        else:
            action, kind = AccessAction.SECOND_FACTOR_RESET_ASKED, "second_factor_asked"
        AccessLogEntry.objects.create(
            user=by, user_email=by.email, action=action, record=record, session="-"
        )
    login_url = settings.SITE_URL + reverse("account_login")
    staff_email_send(user=account, kind=kind, context={"url": login_url})
    return asked
