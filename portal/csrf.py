"""Form tokens that need no cookie, so that reading and looking at free times leave none.

The CSRF secret lives in the session (`CSRF_USE_SESSIONS`), never in a cookie of its own. A
visitor without a session (she has only read and looked) gets a signed, dated form token in
the page instead, and no cookie at all. portal.middleware.CsrfViewMiddleware accepts such a
token only when the session holds no CSRF secret and the browser says the post comes from our
own pages (`Sec-Fetch-Site: same-origin`, or an `Origin` Django verified): a post from another
site is refused as before. The post that stores something (holding a time, signing up) creates
the session; from then on her forms carry the session's own token, checked as Django does.

Why this is no weaker: the cookie in Django's check only proves that the post comes from a
browser that loaded our page, which the same-origin signal proves too (pages cannot set or
forge `Sec-Fetch-Site`), and a request without a session carries no authority to abuse.
"""

from django.core import signing
from django.http import HttpRequest
from django.middleware.csrf import CSRF_SESSION_KEY, get_token
from django.utils.crypto import get_random_string
from django.utils.functional import SimpleLazyObject

FORM_TOKEN_SALT = "portal.csrf.form-token"
# A page left open for a night still posts; older pages get the friendly "form expired" page.
FORM_TOKEN_MAX_AGE = 60 * 60 * 12


def has_session(request: HttpRequest) -> bool:
    """Whether the visitor has a session, or this request starts one."""
    session = getattr(request, "session", None)
    return session is not None and (bool(session.session_key) or not session.is_empty())


def token_for(request: HttpRequest) -> str:
    """The token for this visitor's forms: the session's, or a signed one without a cookie."""
    if has_session(request):
        return get_token(request)
    return signing.TimestampSigner(salt=FORM_TOKEN_SALT).sign(get_random_string(12))


def is_valid_form_token(request: HttpRequest, token: str) -> bool:
    """A signed token of ours, fresh enough, for a request whose session holds no secret."""
    session = getattr(request, "session", None)
    if session is not None and session.get(CSRF_SESSION_KEY):
        return False  # once the session has its own secret, only that one counts
    try:
        signing.TimestampSigner(salt=FORM_TOKEN_SALT).unsign(token, max_age=FORM_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return False
    return True


def csrf(request: HttpRequest) -> dict[str, object]:
    """Context processor after Django's own: `{% csrf_token %}` gets `token_for(request)`,
    decided when the page is rendered (after the view may have started a session)."""
    return {"csrf_token": SimpleLazyObject(lambda: token_for(request))}
