"""A visitor's login by e-mail code, for "Mijn afspraken".

The address is proved before anything about it is kept: asking for a code stores nothing but a
keyed digest of the address and a hash of the code in the session, and every request, for a
known address or not, does the same work (one queued task) and gets the same answer. The worker
looks the digest up and sends the code only where the address has bookings or sign-ups. After
the right code, the session holds the digest; no account and no plain copy of the address is
made, and "Mijn afspraken" finds her rows by the digest.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from http import HTTPStatus
from typing import Required, TypedDict

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import ratelimit
from support import links
from support.fields import email_digest
from support.forms import EMAIL_INVALID, CodeForm, NotRemembered
from support.models import Booking, OutgoingEmail, PartnerIntake, Signup
from support.outbox import Draft, composer, email_queue, seal, unseal

SESSION_PENDING = "visitor-login"
SESSION_VISITOR = "visitor"
CODE_LIFETIME = 15 * 60
CODE_ATTEMPTS = 5
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: typed from a phone


class EmailForm(NotRemembered):
    email = forms.EmailField(
        label=gettext_lazy("E-mailadres"),
        max_length=254,
        help_text=gettext_lazy("Het adres waarmee je een afspraak maakte of je aanmeldde."),
        error_messages={
            "required": gettext_lazy("Vul je e-mailadres in."),
            "invalid": EMAIL_INVALID,
        },
    )


def code_hash(code: str, *, purpose: str) -> str:
    """A keyed hash of a code as typed (case, spaces and dashes aside): only the hash is kept."""
    normalised = "".join(c for c in code.upper() if c.isalnum())
    message = f"{purpose}:{normalised}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def new_code() -> str:
    letters = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{letters[:4]}-{letters[4:]}"


def visitor_bookings(digest: str) -> list[Booking]:
    """What this address sent to a helper, the latest first."""
    return list(
        Booking.objects.submitted()
        .filter(email_digest=digest)
        .select_related("helper", "conversation_type")
        .order_by("-starts_at")
    )


def visitor_signups(digest: str) -> list[Signup]:
    return list(
        Signup.objects.filter(email_digest=digest).select_related("group").order_by("-created_at")
    )


def visitor_digest(request: HttpRequest) -> str | None:
    """The digest of the address this session has proved, if any."""
    visitor = request.session.get(SESSION_VISITOR) or {}
    return visitor.get("digest") or None


# -- the e-mail with the code (support/outbox.py queues and sends it) ----------------------------


class Recipient(TypedDict, total=False):
    """The address a login code goes to, and the one row it hangs on."""

    to: Required[str]
    booking: Booking
    signup: Signup
    partner: PartnerIntake


def recipient_for(digest: str) -> Recipient | None:
    """Where a code for this digest goes: the address and a row to hang the e-mail on."""
    booking = Booking.objects.submitted().filter(email_digest=digest).order_by("-pk").first()
    if booking is not None:
        return {"booking": booking, "to": booking.email}
    signup = Signup.objects.filter(email_digest=digest).order_by("-pk").first()
    if signup is not None:
        return {"signup": signup, "to": signup.email}
    intake = (
        PartnerIntake.objects.filter(email_digest=digest, submitted_at__isnull=False)
        .order_by("-pk")
        .first()
    )
    if intake is not None:
        return {"partner": intake, "to": intake.email}
    return None


def email_login_code(*, digest: str, sealed_code: str) -> bool:
    """Queue a visitor's login code for the address behind `digest`, if it has records here."""
    found = recipient_for(digest)
    if found is None:
        return False
    code = unseal(sealed_code)["code"]
    with transaction.atomic():
        email_queue(
            kind="visitor_code",
            booking=found.get("booking"),
            signup=found.get("signup"),
            partner=found.get("partner"),
            sealed=seal(to=found["to"], code=code),
        )
    return True


def _request_language(**rows: object) -> str:
    """A login code, asked for in the request that queues it, goes in that request's language."""
    return get_language() or settings.LANGUAGE_CODE


@composer("visitor_code", language=_request_language)
def _code_email(email: OutgoingEmail) -> Draft:
    sealed = unseal(email.sealed)
    return Draft(
        to=sealed["to"], template="support/emails/visitor_code", context={"code": sealed["code"]}
    )


@task
def send_visitor_code(digest: str, sealed_code: str, language: str) -> None:
    """A login code asked for on the site: sent only where the digest has bookings or sign-ups.

    The arguments hold no address: a keyed digest and the code encrypted.
    """
    with translation.override(language):
        email_login_code(digest=digest, sealed_code=sealed_code)


# -- views ---------------------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    status = HTTPStatus.OK
    if request.method == "POST":
        form = EmailForm(request.POST)
        if form.is_valid():
            digest = email_digest(form.cleaned_data["email"])
            if not ratelimit.allowed(request, ratelimit.LOGIN_CODE, key=digest):
                form.add_error(
                    None,
                    _("Je hebt vaak een code gevraagd. Wacht tien minuten en probeer het opnieuw."),
                )
                status = HTTPStatus.TOO_MANY_REQUESTS
            else:
                code = new_code()
                request.session[SESSION_PENDING] = {
                    "digest": digest,
                    "code": code_hash(code, purpose="visitor-code"),
                    "until": time.time() + CODE_LIFETIME,
                    "attempts": 0,
                }
                # The same work for every address: the worker decides whether a mail goes.
                send_visitor_code.enqueue(digest, seal(code=code), get_language())
                return redirect("support:visitor_code")
        else:
            status = HTTPStatus.BAD_REQUEST
    else:
        form = EmailForm()
    return render(request, "support/visitor_login.html", {"form": form}, status=status)


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(SESSION_PENDING)
    if not pending or pending.get("until", 0) < time.time():
        request.session.pop(SESSION_PENDING, None)
        return render(request, "support/visitor_code_expired.html", status=HTTPStatus.NOT_FOUND)
    status = HTTPStatus.OK
    if request.method == "POST":
        form = CodeForm(request.POST)
        if not form.is_valid():
            status = HTTPStatus.BAD_REQUEST
        elif not ratelimit.allowed(request, ratelimit.LOGIN_CODE_CONFIRM, key=pending["digest"]):
            form.add_error(
                None, _("Te veel pogingen. Wacht tien minuten en vraag een nieuwe code.")
            )
            status = HTTPStatus.TOO_MANY_REQUESTS
        elif hmac.compare_digest(
            pending["code"], code_hash(form.cleaned_data["code"], purpose="visitor-code")
        ):
            request.session.cycle_key()  # a new session key for the logged-in visitor
            request.session.pop(SESSION_PENDING, None)
            request.session[SESSION_VISITOR] = {"digest": pending["digest"]}
            return redirect("support:my_bookings")
        else:
            pending["attempts"] += 1
            if pending["attempts"] >= CODE_ATTEMPTS:
                request.session.pop(SESSION_PENDING, None)
                return render(
                    request,
                    "support/visitor_code_expired.html",
                    status=HTTPStatus.TOO_MANY_REQUESTS,
                )
            request.session[SESSION_PENDING] = pending
            form.add_error("code", _("Deze code klopt niet. Kijk goed en probeer het opnieuw."))
            status = HTTPStatus.BAD_REQUEST
    else:
        form = CodeForm()
    return render(request, "support/visitor_code.html", {"form": form}, status=status)


@never_cache
@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return redirect("home")


# -- a visitor's own bookings and sign-ups ------------------------------------------------------


@never_cache
@require_GET
def my_bookings(request: HttpRequest) -> HttpResponse:
    """ "Mijn afspraken": what this address booked or signed up for, with the private links.

    Only for a session that proved the address with an e-mail code (support/visitor.py);
    rows are found by the address's digest.
    """
    digest = visitor_digest(request)
    if digest is None:
        return redirect("support:visitor_login")
    now = timezone.now()
    bookings = visitor_bookings(digest)
    # Upcoming bookings and sign-ups come with their private link, or None when it is of no use.
    upcoming = [
        (b, links.booking_url(b) if b.is_open and b.starts_at > now else None)
        for b in bookings
        if b.ends_at > now
    ]
    signups = [(s, links.signup_url(s) if s.is_active else None) for s in visitor_signups(digest)]
    return render(
        request,
        "support/my_bookings.html",
        {
            "upcoming": upcoming,
            "past": [b for b in bookings if b.ends_at <= now],
            "signups": signups,
        },
    )
