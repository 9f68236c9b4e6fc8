"""A helper's external calendars: feeds whose busy times block her free times.

Only the busy ranges are kept (start and end in UTC), never an event's title, description,
place or attendees. The feed's address is a secret of the helper (it often carries a private
token), so it is encrypted at rest and only its host is ever shown.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from support.fields import EncryptedTextField
from support.models.directory import Helper


class BusyFeedQuerySet(models.QuerySet["BusyFeed"]):
    def fetched(self) -> BusyFeedQuerySet:
        """Feeds the worker fetches: those with an address (an uploaded file has none)."""
        return self.exclude(host="")

    def failing(self) -> BusyFeedQuerySet:
        """Feeds whose last fetch failed: their last good busy times still count."""
        return self.filter(failed_at__isnull=False)


class BusyFeed(models.Model):
    helper = models.ForeignKey(Helper, on_delete=models.CASCADE, related_name="busy_feeds")
    # Empty for an uploaded file.
    url = EncryptedTextField(_("adres van de agenda"), blank=True)
    host = models.CharField(_("server"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("toegevoegd"), auto_now_add=True)
    fetched_at = models.DateTimeField(_("laatst gelukt"), null=True, blank=True)
    failed_at = models.DateTimeField(_("laatst mislukt"), null=True, blank=True)
    failure = models.CharField(_("reden"), max_length=200, blank=True)

    objects = BusyFeedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("externe agenda")
        verbose_name_plural = _("externe agenda's")

    def __str__(self) -> str:
        return self.host or str(_("geüpload bestand"))


class BusyRange(models.Model):
    """A time the helper is busy according to one of her feeds, in UTC."""

    feed = models.ForeignKey(BusyFeed, on_delete=models.CASCADE, related_name="ranges")
    # The feed's helper again, so free times read her ranges with one indexed query.
    helper = models.ForeignKey(Helper, on_delete=models.CASCADE, related_name="busy_ranges")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        verbose_name = _("bezette tijd")
        verbose_name_plural = _("bezette tijden")
        indexes = [models.Index(fields=["helper", "starts_at"], name="busy_range_helper_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="busy_range_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M} UTC"
