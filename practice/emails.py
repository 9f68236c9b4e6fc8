"""A staff member's own e-mails through the outbox (templates/practice/emails/<kind without the
`staff_` prefix>), in the portal's language. Their link travels sealed, like a login code."""

from django.conf import settings
from django.contrib.auth.models import User

from support.models import OutgoingEmail
from support.outbox import Draft, composer, unseal


def _portal_language(**rows: object) -> str:
    return settings.LANGUAGE_CODE


@composer("staff_invitation", language=_portal_language)
def _to_staff(email: OutgoingEmail) -> Draft:
    if email.user_id is None:
        raise User.DoesNotExist(f"e-mail {email.pk} names no staff member")
    return Draft(
        to=User.objects.get(pk=email.user_id).email,
        template="practice/emails/" + email.kind.removeprefix("staff_"),
        context=dict(unseal(email.sealed)) if email.sealed else {},
    )
