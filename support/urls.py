from django.urls import path

from support import visitor
from support.booking import intake, way_views, week
from support.booking import views as booking
from support.directory import views as directory

app_name = "support"

urlpatterns = [
    path("steun/", directory.directory, name="directory"),
    path("steun/aanmelding/<str:token>/", directory.signup_manage, name="signup_manage"),
    path("steun/<slug:slug>/", directory.entry_detail, name="entry"),
    path("steun/<slug:slug>/aanmelden/", directory.signup, name="signup"),
    path("afspraak/", booking.booking_start, name="booking_start"),
    path("afspraak/kiezen/", booking.booking_choose, name="booking_choose"),
    path("afspraak/tijden/<int:offer_id>/", week.booking_week, name="booking_week"),
    path(
        "afspraak/tijden/eerst-beschikbaar/<slug:type_slug>/",
        week.booking_week_first_free,
        name="booking_week_first_free",
    ),
    path("afspraak/manier/", intake.booking_mode, name="booking_mode"),
    path("afspraak/intake/<int:step>/", intake.booking_intake, name="booking_intake"),
    path("afspraak/controleren/", intake.booking_summary, name="booking_summary"),
    path("afspraak/alleen/", booking.booking_switch_to_individual, name="booking_individual"),
    # The private link in her e-mails, exchanged for the session and a URL without the token.
    path("afspraak/beheer/<str:token>/", booking.booking_link, name="booking_manage"),
    path("afspraak/<int:pk>/", booking.booking_page, name="booking_page"),
    path("afspraak/<int:pk>/code/", booking.booking_code, name="booking_code"),
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
    path("afspraak/partner/<str:token>/", intake.partner_start, name="partner_start"),
    path(
        "afspraak/partner/<str:token>/stap/<int:step>/",
        intake.partner_intake,
        name="partner_intake",
    ),
    path(
        "afspraak/partner/<str:token>/controleren/",
        intake.partner_summary,
        name="partner_summary",
    ),
]
