from django.urls import path

from support import views

app_name = "support"

urlpatterns = [
    path("steun/", views.directory, name="directory"),
    path("steun/aanmelding/<str:token>/", views.signup_manage, name="signup_manage"),
    path("steun/<slug:slug>/", views.entry_detail, name="entry"),
    path("steun/<slug:slug>/aanmelden/", views.signup, name="signup"),
    path("afspraak/", views.booking_start, name="booking_start"),
]
