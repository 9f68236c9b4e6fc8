from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _invitation_accepted(sender: object, request: object, user: User, **kwargs: object) -> None:
    from practice.services import invitation_accepted

    invitation_accepted(user=user)


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = _("Praktijk")

    def ready(self) -> None:
        from allauth.account.signals import password_reset

        password_reset.connect(_invitation_accepted, dispatch_uid="practice.invitation_accepted")
