from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    # The directory of groups, forums, helpers and organisations is being built; until then the
    # page points to the organisations and lines that are always there.
    return render(request, "support/directory.html")


@require_GET
def booking_start(request: HttpRequest) -> HttpResponse:
    return render(request, "support/booking_start.html")
