from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language

# The language search engines get when none of the page's languages fits the reader.
DEFAULT_LANGUAGE = "nl"


def site(request: HttpRequest) -> dict[str, object]:
    current = get_language()
    other_language = "en" if current == "nl" else "nl"
    # The same page in every language, from the path only: a query string is never echoed
    # into a page that may be cached for everyone.
    language_urls = {code: translate_url(request.path, code) for code, _name in settings.LANGUAGES}
    return {
        "SITE_NAME": settings.SITE_NAME,
        "other_language": other_language,
        "other_language_url": language_urls[other_language],
        "canonical_url": settings.SITE_URL + language_urls.get(current, request.path),
        "alternate_urls": [(code, settings.SITE_URL + url) for code, url in language_urls.items()],
        "default_language_url": settings.SITE_URL + language_urls[DEFAULT_LANGUAGE],
    }
