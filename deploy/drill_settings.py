"""Settings of the drills' stack (`make drill`): production's, with one change. The calendar
drill serves a drip-feeding calendar host on 127.0.0.1, which production never fetches from;
only this stack may. Nothing outside deploy/drill.py uses this module."""

from portal import settings as production

globals().update({name: value for name, value in vars(production).items() if name.isupper()})

BUSY_FEEDS_ALLOW_PRIVATE = True  # loopback calendar hosts, for the drill's own host
