"""Per-client limits on the public forms, counted with allauth's rate limiter.

One mechanism for every limit: allauth's, in the "default" cache that page fragments never
touch. The rates are in settings.ACCOUNT_RATE_LIMITS under the names below.

One client for every limit and cap, allauth's login limits included (`install`): the address
the trusted proxy gives (DJANGO_TRUSTED_PROXY_COUNT / DJANGO_TRUSTED_CLIENT_IP_HEADER), an
IPv6 address cut to its /64 (one connection holds 2^64 addresses), and kept only as a keyed
hash, so the cache never holds an address.
"""

import hashlib
import hmac
import ipaddress

import allauth.core.internal.ratelimit
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


IPV6_PREFIX = 64


def client_network(request: HttpRequest) -> str:
    """The client as every limit counts it: its IPv4 address, or its IPv6 /64."""
    address = get_adapter(request).get_client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/{IPV6_PREFIX}", strict=False))
    return str(parsed)


def client_digest(request: HttpRequest) -> str:
    """A keyed hash of the client (`client_network`): what every limit and cap counts, and all
    a cache key or a booking row holds of the address."""
    key = settings.SECRET_KEY.encode()
    network = client_network(request)
    return hmac.new(key, f"client:{network}".encode(), hashlib.sha256).hexdigest()[:32]


def install() -> None:
    """allauth's own limits (logins, codes, password resets) count the same client, hashed.

    allauth puts the (truncated) address in its cache keys; its key function asks this module
    instead. tests/portal/test_ratelimit_client.py checks the keys allauth writes.
    """
    allauth.core.internal.ratelimit.get_ip = client_digest
