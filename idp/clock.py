"""Protocol timestamps are whole seconds since the epoch, the unit JWTs and OAuth use."""
import time


def now():
    return int(time.time())
