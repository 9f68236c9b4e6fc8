"""What the practice app hooks into (practice/apps.py imports this module once the app
registry is ready)."""

from allauth.account.signals import password_reset
from django.contrib.auth.models import User

from practice.services import invitation_accepted


def _invitation_accepted(sender: object, request: object, user: User, **kwargs: object) -> None:
    invitation_accepted(user=user)


password_reset.connect(_invitation_accepted, dispatch_uid="practice.invitation_accepted")
