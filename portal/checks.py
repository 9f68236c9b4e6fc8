from django.conf import settings
from django.core.checks import Error, Tags, register

CSRF_MIDDLEWARE = "portal.middleware.CsrfViewMiddleware"


@register(Tags.security)
def csrf_middleware_installed(app_configs: object, **kwargs: object) -> list[Error]:
    if CSRF_MIDDLEWARE in settings.MIDDLEWARE:
        return []
    return [Error(f"{CSRF_MIDDLEWARE} must be in MIDDLEWARE.", id="portal.E001")]
