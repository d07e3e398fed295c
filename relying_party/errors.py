"""What can go wrong talking to QSM, as every relying party here reports it: the message is safe
to show to a person, in the page's language.

relying_party's messages are marked for gettext (flask_babel); each site's babel.cfg extracts
``relying_party/`` into its own catalogue, so each translates them. A message is translated when
the error is raised (in the request's language) and kept as a plain string: never markup."""
from flask_babel import lazy_gettext as _l

UNREACHABLE = _l("QSM cannot be reached right now. Please try again in a moment.")


class QSMError(Exception):
    """Something went wrong talking to QSM."""

    def __init__(self, message=""):
        super().__init__(str(message))


class QSMUnavailable(QSMError):
    """QSM could not be reached, or answered badly: try again later."""


class QSMRefused(QSMError):
    """QSM refused, or sent something that does not validate."""


class QSMAccessRevoked(QSMRefused):
    """QSM no longer accepts this client's grant or token: the seller must authorize again."""
