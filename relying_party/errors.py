"""What can go wrong talking to QSM, as every relying party here reports it: the message is safe
to show to a person."""

UNREACHABLE = "QSM cannot be reached right now. Please try again in a moment."


class QSMError(Exception):
    """Something went wrong talking to QSM."""


class QSMUnavailable(QSMError):
    """QSM could not be reached, or answered badly: try again later."""


class QSMRefused(QSMError):
    """QSM refused, or sent something that does not validate."""


class QSMAccessRevoked(QSMRefused):
    """QSM no longer accepts this client's grant or token: the seller must authorize again."""
