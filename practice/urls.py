from django.urls import path

from practice import calendar_views, modes_views, privacy_views, views

app_name = "practice"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("afspraak/<int:pk>/", views.booking_detail, name="booking"),
    path("afspraak/<int:pk>/intake/", views.booking_intake, name="intake"),
    path("afspraak/<int:pk>/intake-partner/", views.partner_intake, name="partner_intake"),
    path("afspraak/<int:pk>/<slug:action>/", views.booking_action, name="booking_action"),
    path("beschikbaarheid/", views.availability, name="availability"),
    path("werkwijze/", modes_views.modes_page, name="modes"),
    path("agenda/", calendar_views.calendar_link, name="calendar_link"),
    path("agenda/<slug:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("privacy/", privacy_views.person, name="person"),
    path("privacy/export/", privacy_views.person_export, name="person_export"),
    path("privacy/wissen/", privacy_views.person_erase, name="person_erase"),
]
