"""Errors the server reports to the user."""


class UserError(ValueError):
    """A problem the user can fix; the message says how."""
