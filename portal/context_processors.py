from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language

from portal.accounts import helper_of


def site(request: HttpRequest) -> dict[str, object]:
    other_language = "en" if get_language() == "nl" else "nl"
    return {
        "SITE_NAME": settings.SITE_NAME,
        "other_language": other_language,
        "other_language_url": translate_url(request.path, other_language),
        # Called only by templates that ask (the account menu): no query on reading pages.
        "account_helper": lambda: helper_of(request.user),
    }
