"""The support app's models, one module per job, re-exported here (the app label stays
`support`): the directory, peer groups and sign-ups, the intake, bookings, the outbox, and
operations."""

from support.models.booking import (
    ABANDONED_HOLD_GRACE,
    ON_CALENDAR_STATUSES,
    OPEN_STATUSES,
    OUTCOME_STATUSES,
    SUBMITTED_STATUSES,
    UNSUBMITTED_STATUSES,
    AvailabilityException,
    AvailabilityRule,
    Booking,
    BookingMessage,
    BookingQuerySet,
    BookingStatus,
    ConversationType,
    ConversationTypeQuerySet,
    Offer,
    PartnerIntake,
    retention_cutoff,
)
from support.models.busyfeeds import BusyFeed, BusyFeedQuerySet, BusyRange
from support.models.directory import (
    AUDIENCE_FIELDS,
    AUDIENCE_LABELS,
    ORGANISATION_KINDS,
    PROVINCE_NAMES,
    PROVINCES,
    TOPIC_WORDS,
    Cost,
    Entry,
    EntryQuerySet,
    Forum,
    Helper,
    Kind,
    Organisation,
    SessionMode,
    validate_discreet,
    validate_session_modes,
    validate_time_zone,
)
from support.models.groups import (
    ACTIVE_SIGNUP,
    ACTIVE_SIGNUP_STATUSES,
    SIGNUP_PROOF_HOURS,
    GroupFor,
    Meeting,
    MeetingQuerySet,
    PeerGroup,
    Signup,
    SignupQuerySet,
    SignupStatus,
)
from support.models.intake import (
    INTAKE_FIELDS,
    ContactPreference,
    Disclosure,
    IntakeAnswers,
    Role,
    YesNoUnsure,
)
from support.models.operations import OpsMarker
from support.models.outbox import EmailStatus, OutgoingEmail
