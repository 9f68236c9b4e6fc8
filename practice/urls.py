from django.urls import path

from practice import (
    availability_views,
    booking_views,
    calendar_views,
    modes_views,
    privacy_views,
    views,
)

app_name = "practice"

BOOKING = "afspraak/<int:pk>/"
AVAILABILITY = "beschikbaarheid/"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path(BOOKING, booking_views.booking_detail, name="booking"),
    path(BOOKING + "intake/", views.booking_intake, name="intake"),
    path(BOOKING + "intake-partner/", views.partner_intake, name="partner_intake"),
    path(BOOKING + "intakes/", views.intakes, name="intakes"),
    path(BOOKING + "bevestigen/", booking_views.booking_confirm, name="booking_confirm"),
    path(BOOKING + "videolink/", booking_views.booking_video_link, name="booking_video_link"),
    path(BOOKING + "afwijzen/", booking_views.booking_decline, name="booking_decline"),
    path(BOOKING + "voorstellen/", booking_views.booking_propose, name="booking_propose"),
    path(BOOKING + "manier/", booking_views.booking_propose_way, name="booking_propose_way"),
    path(BOOKING + "verlengen/", booking_views.booking_extend, name="booking_extend"),
    path(BOOKING + "annuleren/", booking_views.booking_cancel, name="booking_cancel"),
    path(BOOKING + "laten-staan/", booking_views.booking_keep, name="booking_keep"),
    path(BOOKING + "afgerond/", booking_views.booking_completed, name="booking_completed"),
    path(BOOKING + "niet-gekomen/", booking_views.booking_no_show, name="booking_no_show"),
    path(AVAILABILITY, availability_views.availability, name="availability"),
    path(
        AVAILABILITY + "tijden/",
        availability_views.availability_rule_add,
        name="availability_rule_add",
    ),
    path(
        AVAILABILITY + "tijden/<int:item>/verwijderen/",
        availability_views.availability_rule_remove,
        name="availability_rule_remove",
    ),
    path(
        AVAILABILITY + "uitzonderingen/",
        availability_views.availability_exception_add,
        name="availability_exception_add",
    ),
    path(
        AVAILABILITY + "uitzonderingen/<int:item>/verwijderen/",
        availability_views.availability_exception_remove,
        name="availability_exception_remove",
    ),
    path(
        AVAILABILITY + "grenzen/",
        availability_views.availability_limits,
        name="availability_limits",
    ),
    path(
        AVAILABILITY + "regels/<int:offer_id>/",
        availability_views.offer_rules,
        name="availability_offer_rules",
    ),
    path(AVAILABILITY + "agenda/", availability_views.busy_feed_add, name="busy_feed_add"),
    path(
        AVAILABILITY + "agenda/bestand/",
        availability_views.busy_feed_upload,
        name="busy_feed_upload",
    ),
    path(
        AVAILABILITY + "agenda/<int:item>/verwijderen/",
        availability_views.busy_feed_remove,
        name="busy_feed_remove",
    ),
    path("werkwijze/", modes_views.modes_page, name="modes"),
    path("agenda/", calendar_views.calendar_link, name="calendar_link"),
    path("agenda/namen/", calendar_views.feed_names, name="calendar_feed_names"),
    path("agenda/<slug:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("privacy/", privacy_views.person, name="person"),
    path("privacy/export/", privacy_views.person_export, name="person_export"),
    path("privacy/wissen/", privacy_views.person_erase, name="person_erase"),
]
