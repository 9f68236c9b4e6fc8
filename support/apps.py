from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"

    def ready(self) -> None:
        from articles import search
        from support.search import directory_documents, directory_version

        search.register_provider(
            "support", version=directory_version, documents=directory_documents
        )
