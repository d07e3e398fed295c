"""What SmartShip's policy modules (login_policy, signup_policy, throttle) answer when they refuse
a request: the words the seller may be shown, and the HTTP status the view answers with."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Refused:
    message: str
    status: int = 400
