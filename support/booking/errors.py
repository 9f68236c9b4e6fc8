"""The refusal every booking service raises: shared by services.py and its sibling modules."""


class BookingRefused(Exception):
    """A change the rules do not allow; `message` says why, for the visitor."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
