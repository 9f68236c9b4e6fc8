"""A sign-up's e-mails to the visitor who signed up for a peer group, registered with the outbox
(support/outbox.py). The group is named by its discreet `email_name`."""

from django.conf import settings

from support.links import signup_url
from support.models import OutgoingEmail, Signup
from support.outbox import Draft, composer


@composer("signup_received", "signup_reminder", "signup_promoted")
def _to_signup(email: OutgoingEmail) -> Draft:
    if email.signup_id is None:
        raise Signup.DoesNotExist(f"e-mail {email.pk} names no sign-up")
    signup = Signup.objects.select_related("group").get(pk=email.signup_id)
    return Draft(
        to=signup.email,
        template=f"support/emails/{email.kind}",
        context={
            "signup": signup,
            "group": signup.group,
            "group_name": signup.group.email_name,
            "manage_url": settings.SITE_URL + signup_url(signup),
        },
    )
