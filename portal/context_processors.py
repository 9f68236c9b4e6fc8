from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language


def site(request: HttpRequest) -> dict[str, object]:
    other_language = "en" if get_language() == "nl" else "nl"
    return {
        "SITE_NAME": settings.SITE_NAME,
        "other_language": other_language,
        "other_language_url": translate_url(request.path, other_language),
    }
