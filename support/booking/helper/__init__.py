"""Everything a helper does on the site, in one place; the helper's pages (practice/) write
through nothing else (tests/test_architecture.py keeps it so).

- bookings.py: answer a request (confirm, decline, propose another time), call off, keep a
  session outside her hours, extend, record the outcome, change a video link;
- conflicts.py: which bookings lie outside her hours (read);
- schedule.py: weekly hours and exceptions (asking first when bookings would fall outside),
  limits a day and a week, her own booking rules per conversation type;
- feeds.py: her busy calendars, read at once when added;
- profile.py: her ways of meeting, calendar link and what its titles say;
- ways.py: proposing another way of meeting for one booking.
"""

from support.booking.helper.bookings import (
    booking_call_off,
    booking_confirm,
    booking_decline,
    booking_extend,
    booking_keep_outside_hours,
    booking_propose,
    booking_record_outcome,
    booking_set_video_link,
)
from support.booking.helper.feeds import (
    FeedRead,
    busy_feed_add,
    busy_feed_remove,
    busy_feed_upload,
)
from support.booking.helper.profile import (
    helper_calendar_token_renew,
    helper_feed_names_set,
    helper_modes_set,
)
from support.booking.helper.schedule import (
    LeavesOutside,
    availability_exception_add,
    availability_exception_remove,
    availability_rule_add,
    availability_rule_remove,
    helper_limits_set,
    offer_rules_set,
)
from support.booking.helper.ways import booking_answer_way, booking_propose_way, other_ways
