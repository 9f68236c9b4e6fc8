from __future__ import annotations

import csv
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from support import outbox
from support.booking import helper as helper_actions
from support.booking import services as booking_services
from support.directory import services as directory_services
from support.models import (
    AvailabilityException,
    AvailabilityRule,
    Booking,
    ConversationType,
    Forum,
    Helper,
    Meeting,
    Offer,
    Organisation,
    OutgoingEmail,
    PeerGroup,
    Signup,
    SignupStatus,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from support.models import SignupQuerySet

ENTRY_FIELDS = (
    "name", "slug", "summary", "description", "website", "phone",
    ("for_betrayed_partner", "for_partner_who_betrayed", "for_couples", "for_men"),
    ("online", "provinces"), ("answers_at_night", "offers_chat"), ("faith_based", "cost", "price"),
    ("last_checked", "active", "is_example"), "sources",
)  # fmt: skip


class EntryAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "online", "provinces", "last_checked", "active")
    list_filter: ClassVar[tuple[str, ...]] = ("active", "online", "faith_based", "for_men", "cost")
    search_fields = ("name", "summary")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Organisation)
class OrganisationAdmin(EntryAdmin):
    fields = ("kind", *ENTRY_FIELDS)
    list_filter = ("kind", *EntryAdmin.list_filter)


@admin.register(Forum)
class ForumAdmin(EntryAdmin):
    fields = (*ENTRY_FIELDS, "who_for", "moderated")

    def save_model(self, request: HttpRequest, obj: Forum, form, change: bool) -> None:
        obj.kind = "forum"
        super().save_model(request, obj, form, change)


@admin.register(Helper)
class HelperAdmin(EntryAdmin):
    # Where and how she meets visitors (her video link, her practice's address, route and
    # access) is hers alone: she sets it on her own page (/praktijk/werkwijze/), where the
    # link is checked. A coordinator could otherwise send her sessions to a room of theirs.
    fields = (
        *ENTRY_FIELDS, "email_name", "practice", "profession", "approach",
        ("betrayal_trauma_model", "sex_addiction_experience"), "languages",
        ("in_person", "takes_bookings"), "session_modes",
    )  # fmt: skip

    def save_model(self, request: HttpRequest, obj: Helper, form, change: bool) -> None:
        obj.kind = "hulpverlener"
        super().save_model(request, obj, form, change)


class MeetingInline(admin.TabularInline):
    model = Meeting
    extra = 1


class SignupInline(admin.TabularInline):
    """Proved sign-ups only: one whose address was not proved is a count on the group."""

    model = Signup
    fields = ("name", "email", "phone", "status", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Signup]:
        return cast("SignupQuerySet", super().get_queryset(request)).proved()

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PeerGroup)
class PeerGroupAdmin(EntryAdmin):
    fields = (
        *ENTRY_FIELDS, "email_name", "organiser", "group_for", "city", "schedule", "start_date",
        ("capacity", "seats_taken", "is_open"), "pending_signups",
    )  # fmt: skip
    readonly_fields = ("seats_taken", "pending_signups")
    list_display = ("name", "group_for", "capacity", "seats_taken", "is_open", "active")
    inlines = (MeetingInline, SignupInline)
    actions = ("export_signups",)

    def save_model(self, request: HttpRequest, obj: PeerGroup, form, change: bool) -> None:
        obj.kind = "groep"
        super().save_model(request, obj, form, change)

    @admin.display(description=_("aanmeldingen met een adres dat nog niet bevestigd is"))
    def pending_signups(self, group: PeerGroup) -> int:
        """Not proved yet: they hold no seat, and lapse after a day (double opt-in)."""
        return group.signups.filter(status=SignupStatus.PENDING).count() if group.pk else 0

    @admin.action(description=_("Deelnemerslijst exporteren (CSV)"))
    def export_signups(self, request: HttpRequest, queryset: QuerySet[PeerGroup]) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="aanmeldingen.csv"'
        response["Cache-Control"] = "no-store"
        writer = csv.writer(response)
        writer.writerow(
            ["groep", "naam", "e-mail", "telefoon", "status", "aangemeld op", "bericht"]
        )
        signups = Signup.objects.proved().filter(group__in=queryset).select_related("group")
        for signup in signups.order_by("group__name", "status", "created_at"):
            writer.writerow(
                [
                    signup.group.name,
                    signup.name,
                    signup.email,
                    signup.phone,
                    signup.get_status_display(),
                    signup.created_at.isoformat(timespec="minutes"),
                    signup.message,
                ]
            )
        return response


@admin.register(Signup)
class SignupAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "group", "status", "created_at")
    list_filter = ("status", "group")
    search_fields = ("name", "email")
    readonly_fields = ("group", "name", "email", "phone", "message", "status", "consent_at",
                       "created_at", "changed_at")  # fmt: skip
    actions = ("accept", "move_to_waiting_list", "cancel")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Signup]:
        # Proved sign-ups only (double opt-in): the group shows how many wait for proof.
        return cast("SignupQuerySet", super().get_queryset(request)).proved()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # sign-ups come through the public form and its checks

    @admin.action(description=_("Plaats geven (als er plek is)"))
    def accept(self, request: HttpRequest, queryset: QuerySet[Signup]) -> None:
        done = sum(
            directory_services.signup_confirm(signup=s)
            for s in queryset.filter(status=SignupStatus.WAITING)
        )
        self.message_user(
            request, _("%(count)d aanmelding(en) kregen een plaats.") % {"count": done}
        )

    @admin.action(description=_("Naar de wachtlijst"))
    def move_to_waiting_list(self, request: HttpRequest, queryset: QuerySet[Signup]) -> None:
        done = sum(directory_services.signup_move_to_waiting_list(signup=s) for s in queryset)
        self.message_user(
            request, _("%(count)d aanmelding(en) staan nu op de wachtlijst.") % {"count": done}
        )

    @admin.action(description=_("Annuleren"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[Signup]) -> None:
        for signup in queryset:
            directory_services.group_signup_cancel(signup=signup)
        self.message_user(request, _("De aanmeldingen zijn geannuleerd."), messages.SUCCESS)


# -- booking ------------------------------------------------------------------------------------


@admin.register(ConversationType)
class ConversationTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "duration_minutes", "extended_minutes", "both_partners", "active")
    prepopulated_fields = {"slug": ("name",)}


class OfferInline(admin.TabularInline):
    model = Offer
    extra = 0


class AvailabilityRuleInline(admin.TabularInline):
    model = AvailabilityRule
    extra = 0


class AvailabilityExceptionInline(admin.TabularInline):
    model = AvailabilityException
    extra = 0


HelperAdmin.inlines = (OfferInline, AvailabilityRuleInline, AvailabilityExceptionInline)


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Times and status only: intake answers, and the safety flag derived from one, are for the
    assigned helper, not for the admin."""

    list_display = ("starts_at", "helper", "conversation_type", "status", "erase_after",
                    "erased_at")  # fmt: skip
    list_filter = ("status", "helper")
    date_hierarchy = "starts_at"
    fields = ("helper", "conversation_type", "status", "starts_at", "ends_at", "requested_at",
              "erase_after", "erased_at")  # fmt: skip

    @admin.display(description=_("intake gewist na"))
    def erase_after(self, booking: Booking) -> object:
        return booking.erase_after

    readonly_fields = fields
    actions = ("confirm", "decline", "extend", "cancel")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # bookings come through the journey and its checks

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # cancel instead, so the history stays consistent

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet[Booking],
        change: Callable[[Booking], object],
        done: StrOrPromise,
    ) -> None:
        count = 0
        for booking in queryset:
            try:
                change(booking)
            except (booking_services.BookingRefused, booking_services.SlotTaken) as error:
                message = getattr(error, "message", _("Deze tijd is niet meer vrij."))
                self.message_user(request, f"{booking}: {message}", messages.WARNING)
            else:
                count += 1
        self.message_user(request, done % {"count": count})

    @admin.action(description=_("Bevestigen"))
    def confirm(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        self._apply(request, queryset, lambda b: helper_actions.booking_confirm(booking=b),
                    _("%(count)d afspraak/afspraken bevestigd."))  # fmt: skip

    @admin.action(description=_("Afwijzen"))
    def decline(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        self._apply(request, queryset, lambda b: helper_actions.booking_decline(booking=b),
                    _("%(count)d afspraak/afspraken afgewezen."))  # fmt: skip

    @admin.action(description=_("Verlengen tot 90 minuten"))
    def extend(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        self._apply(request, queryset, lambda b: helper_actions.booking_extend(booking=b),
                    _("%(count)d afspraak/afspraken verlengd."))  # fmt: skip

    @admin.action(description=_("Annuleren"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[Booking]) -> None:
        self._apply(request, queryset,
                    lambda b: booking_services.booking_cancel(booking=b, by_visitor=False),
                    _("%(count)d afspraak/afspraken geannuleerd."))  # fmt: skip


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    """What was sent and what failed; never the address or the text."""

    list_display = ("kind", "status", "attempts", "next_attempt_at", "last_error", "created_at")
    list_filter = ("status", "kind")
    fields = ("kind", "status", "attempts", "next_attempt_at", "last_error", "message_id",
              "created_at", "sent_at")  # fmt: skip
    readonly_fields = fields
    actions = ("retry",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Opnieuw proberen"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutgoingEmail]) -> None:
        for email in queryset:
            outbox.email_retry(email=email)
        self.message_user(request, _("De mislukte e-mails worden opnieuw verstuurd."))
