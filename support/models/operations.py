"""What operations count and remember: the data version and the operators' markers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataChange(models.Model):
    """One row per committed change to the directory, sign-ups or bookings.

    The highest id is the data version: pages built from this data are cached under it, so a
    change shows at once on every app server that shares the database. Rows are only ever
    inserted (never updated), so counting a change takes no lock that others wait for, and an
    uncommitted change stays invisible to other connections until it commits.
    """

    id = models.BigAutoField(primary_key=True)

    class Meta:
        verbose_name = _("wijziging")
        verbose_name_plural = _("wijzigingen")

    def __str__(self) -> str:
        return str(self.pk)


class OpsMarker(models.Model):
    """A moment operations remember: the worker's last heartbeat, the last notice about mail.

    `value` holds a number that goes with it (for the mail notice: the newest failed e-mail
    already reported). Nothing personal.
    """

    name = models.CharField(primary_key=True, max_length=40)
    at = models.DateTimeField()
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("bedrijfsgegeven")
        verbose_name_plural = _("bedrijfsgegevens")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"
