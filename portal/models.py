from django.db import models
from django.utils.translation import gettext_lazy as _


class PageChange(models.Model):
    """One row per committed change to what one domain of cached pages shows.

    The highest id of a domain (for a key: among its rows and those without a key) is its
    version (portal/pagecache.py). Rows are only inserted, never updated: counting a change
    takes no lock that others wait for, and an uncommitted change stays invisible to other
    connections until it commits, with the data it describes.
    """

    id = models.BigAutoField(primary_key=True)
    domain = models.CharField(max_length=20)
    # What in the domain changed (a helper, for free times); empty: anything in it.
    key = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("paginawijziging")
        verbose_name_plural = _("paginawijzigingen")
        indexes = [models.Index(fields=["domain", "key", "id"], name="pagechange_domain_key_id")]

    def __str__(self) -> str:
        return f"{self.domain} {self.pk}"
