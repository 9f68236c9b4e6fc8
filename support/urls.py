from django.urls import path

from support import views

app_name = "support"

urlpatterns = [
    path("steun/", views.directory, name="directory"),
    path("afspraak/", views.booking_start, name="booking_start"),
]
