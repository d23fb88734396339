"""Polling for the fault tests: real processes change state on their own clock."""

import time


def wait_until(condition, seconds: float, step: float = 0.2) -> bool:
    """Poll `condition` every `step` s for up to `seconds`; its last answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())
