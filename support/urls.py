from django.urls import path, register_converter

from support import visitor
from support.booking import intake, way_views, week
from support.booking import views as booking
from support.directory import views as directory
from support.models import ConversationType


class ConversationTypeNumber:
    """A conversation type by its number in the URL, never its name: the booking journey's
    addresses stay in the browser's history and must not say what it is about. The view gets
    the type's slug, as before.

    Every URL resolve and reverse passes here (the language links too), so the few types are
    read once per process and again after any type is saved or deleted here (support/signals.py
    calls `forget`); a type renamed on another app server shows there after its restart.
    """

    regex = "[0-9]{1,9}"
    slugs: dict[str, str] = {}  # number -> slug

    @classmethod
    def known(cls) -> dict[str, str]:
        if not cls.slugs:
            cls.slugs = {
                str(pk): slug for pk, slug in ConversationType.objects.values_list("pk", "slug")
            }
        return cls.slugs

    @classmethod
    def forget(cls, **_kwargs: object) -> None:
        cls.slugs = {}

    def to_python(self, value: str) -> str:
        if value not in self.known():
            raise ValueError(value)
        return self.known()[value]

    def to_url(self, value: str) -> str:
        numbers = {slug: number for number, slug in self.known().items()}
        if value not in numbers:
            raise ValueError(value)
        return numbers[value]


register_converter(ConversationTypeNumber, "type_number")

app_name = "support"

# The booking journey's paths hold no topic word ("intake", "partner", a conversation type):
# they stay in the history of a phone someone else may look at. Its pages are titled "Afspraak".

urlpatterns = [
    path("steun/", directory.directory, name="directory"),
    path("steun/aanmelding/<str:token>/", directory.signup_manage, name="signup_manage"),
    path("steun/<slug:slug>/", directory.entry_detail, name="entry"),
    path("steun/<slug:slug>/aanmelden/", directory.signup, name="signup"),
    path("afspraak/", booking.booking_start, name="booking_start"),
    path("afspraak/kiezen/", booking.booking_choose, name="booking_choose"),
    path("afspraak/tijden/<int:offer_id>/", week.booking_week, name="booking_week"),
    path(
        "afspraak/tijden/eerst-beschikbaar/<type_number:type_slug>/",
        week.booking_week_first_free,
        name="booking_week_first_free",
    ),
    path("afspraak/manier/", intake.booking_mode, name="booking_mode"),
    path("afspraak/stap/<int:step>/", intake.booking_intake, name="booking_intake"),
    path("afspraak/controleren/", intake.booking_summary, name="booking_summary"),
    path("afspraak/langer/", intake.booking_hold_extend, name="booking_hold_extend"),
    path("afspraak/alleen/", booking.booking_switch_to_individual, name="booking_individual"),
    # The private link in her e-mails, exchanged for the session and a URL without the token.
    path("afspraak/beheer/<str:token>/", booking.booking_link, name="booking_manage"),
    path("afspraak/<int:pk>/", booking.booking_page, name="booking_page"),
    path("afspraak/<int:pk>/code/", booking.booking_code, name="booking_code"),
    path("afspraak/<int:pk>/agenda/", booking.booking_calendar, name="booking_calendar"),
    path("afspraak/<int:pk>/andere-tijd/", week.booking_reschedule, name="booking_reschedule"),
    path(
        "afspraak/<int:pk>/manier/",
        way_views.booking_way_answer,
        name="booking_way_answer",
    ),
    path(
        "afspraak/<int:pk>/andere-tijd/bevestigen/",
        week.booking_reschedule_confirm,
        name="booking_reschedule_confirm",
    ),
    path("mijn-afspraken/", visitor.my_bookings, name="my_bookings"),
    path("mijn-afspraken/inloggen/", visitor.login, name="visitor_login"),
    path("mijn-afspraken/code/", visitor.code, name="visitor_code"),
    path("mijn-afspraken/uitloggen/", visitor.logout, name="visitor_logout"),
    path("afspraak/uitnodiging/<str:token>/", intake.partner_start, name="partner_start"),
    path(
        "afspraak/uitnodiging/<str:token>/stap/<int:step>/",
        intake.partner_intake,
        name="partner_intake",
    ),
    path(
        "afspraak/uitnodiging/<str:token>/controleren/",
        intake.partner_summary,
        name="partner_summary",
    ),
]
