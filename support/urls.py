from django.urls import path

from support import views, visitor

app_name = "support"

urlpatterns = [
    path("steun/", views.directory, name="directory"),
    path("steun/aanmelding/<str:token>/", views.signup_manage, name="signup_manage"),
    path("steun/<slug:slug>/", views.entry_detail, name="entry"),
    path("steun/<slug:slug>/aanmelden/", views.signup, name="signup"),
    path("afspraak/", views.booking_start, name="booking_start"),
    path("afspraak/kiezen/", views.booking_choose, name="booking_choose"),
    path("afspraak/tijden/<int:offer_id>/", views.booking_week, name="booking_week"),
    path("afspraak/intake/<int:step>/", views.booking_intake, name="booking_intake"),
    path("afspraak/controleren/", views.booking_summary, name="booking_summary"),
    path("afspraak/alleen/", views.booking_switch_to_individual, name="booking_individual"),
    path("afspraak/beheer/<str:token>/", views.booking_manage, name="booking_manage"),
    path(
        "afspraak/beheer/<str:token>/verzetten/",
        views.booking_reschedule,
        name="booking_reschedule",
    ),
    path("mijn-afspraken/", visitor.my_bookings, name="my_bookings"),
    path("mijn-afspraken/inloggen/", visitor.login, name="visitor_login"),
    path("mijn-afspraken/code/", visitor.code, name="visitor_code"),
    path("mijn-afspraken/uitloggen/", visitor.logout, name="visitor_logout"),
    path("afspraak/partner/<str:token>/", views.partner_start, name="partner_start"),
    path(
        "afspraak/partner/<str:token>/stap/<int:step>/",
        views.partner_intake,
        name="partner_intake",
    ),
    path(
        "afspraak/partner/<str:token>/controleren/",
        views.partner_summary,
        name="partner_summary",
    ),
]
