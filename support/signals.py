"""What the support app hooks into when the site starts (support/apps.py imports this module
once the app registry is ready): the site search, and the data version of cached pages."""

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from articles import search
from support.caching import bump_data_version, data_version
from support.models import DataChange
from support.search import directory_documents

# The data version changes whenever anything in the directory does.
search.register_provider("support", version=data_version, documents=directory_documents)


def changed(sender: type, **kwargs: object) -> None:
    if sender is not DataChange:
        bump_data_version()


for model in apps.get_app_config("support").get_models():
    post_save.connect(
        changed, sender=model, weak=False, dispatch_uid=f"data-version-{model.__name__}"
    )
    post_delete.connect(
        changed, sender=model, weak=False, dispatch_uid=f"data-version-del-{model.__name__}"
    )
