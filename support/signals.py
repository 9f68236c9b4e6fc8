"""What the support app hooks into when the site starts (support/apps.py imports this module
once the app registry is ready): the site search, and the page cache's versions."""

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from articles import search as site_search
from portal import pagecache
from support.apps import count_change
from support.models import ConversationType
from support.search import directory_documents
from support.urls import ConversationTypeNumber

# The directory's version changes whenever anything the search finds in it does.
site_search.register_provider(
    "support",
    version=lambda: pagecache.versions((pagecache.DIRECTORY,)),
    documents=directory_documents,
)
# The numbers that stand for conversation types in the booking journey's URLs.
for signal in (post_save, post_delete):
    signal.connect(
        ConversationTypeNumber.forget,
        sender=ConversationType,
        dispatch_uid=f"type-numbers-{signal}",
    )

for model in apps.get_app_config("support").get_models():
    name = model.__name__
    post_save.connect(count_change, sender=model, dispatch_uid=f"page-domains-{name}")
    post_delete.connect(count_change, sender=model, dispatch_uid=f"page-domains-d-{name}")
