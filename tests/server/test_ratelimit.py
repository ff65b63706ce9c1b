"""Failed attempts over a sliding window, on a clock the test moves."""

from __future__ import annotations

from server.ratelimit import Attempts


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_holds_for_the_window_and_lifts_after_it() -> None:
    clock = Clock()
    attempts = Attempts(limit=3, window_s=60, clock=clock)
    for _ in range(3):
        assert attempts.retry_after("a") == 0
        attempts.fail("a")
        clock.now += 1
    assert attempts.retry_after("a") == 57  # at 1003; the first failure leaves the window at 1060
    assert attempts.retry_after("b") == 0  # another address is not slowed
    clock.now = 1060.0
    assert attempts.retry_after("a") == 0


def test_keys_are_bounded_forgetting_the_oldest() -> None:
    clock = Clock()
    attempts = Attempts(limit=1, window_s=60, max_keys=2, clock=clock)
    for key in ("a", "b", "c"):
        attempts.fail(key)
    assert attempts.retry_after("a") == 0  # forgotten to make room
    assert attempts.retry_after("b") > 0 and attempts.retry_after("c") > 0
