from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"

    def ready(self) -> None:
        from articles import search
        from support.caching import data_version
        from support.search import directory_documents

        # The data version changes whenever anything in the directory does.
        search.register_provider("support", version=data_version, documents=directory_documents)
        self._count_changes()

    def _count_changes(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from support.caching import bump_data_version
        from support.models import DataChange

        def changed(sender: type, **kwargs: object) -> None:
            if sender is not DataChange:
                bump_data_version()

        for model in self.get_models():
            post_save.connect(
                changed, sender=model, weak=False, dispatch_uid=f"data-version-{model.__name__}"
            )
            post_delete.connect(
                changed, sender=model, weak=False, dispatch_uid=f"data-version-del-{model.__name__}"
            )
