"""What operations remember: the worker's heartbeat and the notices sent about mail."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
