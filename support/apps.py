from importlib import import_module

from django.apps import AppConfig
from django.db import models

from portal import pagecache

# What each model's rows show on cached pages (portal/pagecache.py). A model absent here shows
# on none (e-mails, intakes of a partner, operations markers): saving it empties no cache.
# tests/portal/test_pagecache.py fails when a model is missing from this table.
PAGE_DOMAINS: dict[str, tuple[str, ...]] = {
    "Entry": (pagecache.DIRECTORY,),
    "Organisation": (pagecache.DIRECTORY,),
    "Forum": (pagecache.DIRECTORY,),
    "Helper": (pagecache.DIRECTORY, pagecache.AVAILABILITY),
    "PeerGroup": (pagecache.DIRECTORY,),
    "Meeting": (pagecache.DIRECTORY,),
    "Signup": (pagecache.DIRECTORY,),
    "ConversationType": (pagecache.DIRECTORY, pagecache.AVAILABILITY),
    "Offer": (pagecache.DIRECTORY, pagecache.AVAILABILITY),
    "AvailabilityRule": (pagecache.AVAILABILITY,),
    "AvailabilityException": (pagecache.AVAILABILITY,),
    "Booking": (pagecache.AVAILABILITY,),
    "BusyFeed": (pagecache.AVAILABILITY,),
    # Replaced in bulk, a feed at a time: the service counts one change per replaced feed
    # (support/booking/busyfeeds.py) instead of one per range.
    "BusyRange": (),
    "OutgoingEmail": (),
    # A visitor's message to her helper shows only on staff pages, which are never cached.
    "BookingMessage": (),
    "PartnerIntake": (),
    "OpsMarker": (),
}


def count_change(sender: type, instance: models.Model, **kwargs: object) -> None:
    domains = PAGE_DOMAINS.get(sender.__name__, ())
    if pagecache.DIRECTORY in domains:
        pagecache.bump(pagecache.DIRECTORY)
    if pagecache.AVAILABILITY in domains:
        # Free times are versioned per helper: a row of one helper's changes only her pages
        # (a conversation type's, every helper's).
        helper_id = (
            instance.pk if sender.__name__ == "Helper" else getattr(instance, "helper_id", None)
        )
        pagecache.bump(pagecache.AVAILABILITY, key=helper_id)


class SupportConfig(AppConfig):
    name = "support"

    def ready(self) -> None:
        # The receivers need the models, which cannot be imported while the app registry
        # loads this module: their module is imported now that the registry is ready.
        import_module("support.signals")
        # Each job registers its e-mails with the outbox (support/outbox.py) when imported.
        for module in ("support.booking.emails", "support.directory.emails", "support.visitor"):
            import_module(module)
