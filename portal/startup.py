"""What each app server process does when it starts, before its first request."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def warm_up() -> None:
    """Build what the first requests would otherwise wait for (settings.WARM_UP). A failure,
    such as a database not yet reachable, is logged and left to the first request."""
    for path in settings.WARM_UP:
        try:
            import_string(path)()
        except Exception:
            logger.warning("warm-up %s failed; the first request does it", path, exc_info=True)
