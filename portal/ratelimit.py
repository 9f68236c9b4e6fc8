"""Per-client limits on the public forms, counted with allauth's rate limiter.

One mechanism for every limit: allauth's, in the "default" cache that page fragments never
touch, with the same client address as the login limits (DJANGO_TRUSTED_PROXY_COUNT /
DJANGO_TRUSTED_CLIENT_IP_HEADER). The rates are in settings.ACCOUNT_RATE_LIMITS under the
names below.
"""

import hashlib
import hmac

from allauth.account.adapter import get_adapter
from allauth.core import ratelimit
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

# The actions of our own forms, as named in settings.ACCOUNT_RATE_LIMITS.
HOLD = "houvast_hold"
SUBMIT = "houvast_submit"
SIGNUP = "houvast_signup"
PARTNER_INVITE = "houvast_partner_invite"
LOGIN_CODE = "houvast_login_code"
LOGIN_CODE_CONFIRM = "houvast_login_code_confirm"
BOOKING_CODE = "houvast_booking_code"
BOOKING_CODE_CONFIRM = "houvast_booking_code_confirm"
HELPER_MESSAGE = "houvast_helper_message"


def allowed(request: HttpRequest, action: str, *, key: str | None = None) -> bool:
    """Count one attempt; False when this client (or this key) has used up its rate."""
    return ratelimit.consume(request, action=action, key=key)


def refusal(request: HttpRequest, action: str, *, key: str | None = None) -> str | None:
    """Count one attempt of this client; the message to show when it has tried too often."""
    if allowed(request, action, key=key):
        return None
    return _("Je hebt dit vaak geprobeerd. Wacht tien minuten en probeer het dan opnieuw.")


def client_digest(request: HttpRequest) -> str:
    """A keyed hash of the client's address: counts a client's live holds without storing
    the address itself."""
    address = get_adapter(request).get_client_ip(request)
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"client:{address}".encode(), hashlib.sha256).hexdigest()[:32]
