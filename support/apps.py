from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save

from articles import search as site_search
from portal import pagecache

# What each model's rows show on cached pages (portal/pagecache.py). A model absent here shows
# on none (e-mails, intakes of a partner, operations markers): saving it empties no cache.
# tests/test_cache_safety.py fails when a model is missing from this table.
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
    "OutgoingEmail": (),
    "PartnerIntake": (),
    "OpsMarker": (),
}


def count_change(sender: type, **kwargs: object) -> None:
    if domains := PAGE_DOMAINS.get(sender.__name__):
        pagecache.bump(*domains)


class SupportConfig(AppConfig):
    name = "support"

    def ready(self) -> None:
        from support.search import directory_documents

        # The directory's version changes whenever anything the search finds in it does.
        site_search.register_provider(
            "support",
            version=lambda: pagecache.versions((pagecache.DIRECTORY,)),
            documents=directory_documents,
        )
        for model in self.get_models():
            name = model.__name__
            post_save.connect(count_change, sender=model, dispatch_uid=f"page-domains-{name}")
            post_delete.connect(count_change, sender=model, dispatch_uid=f"page-domains-d-{name}")
