"""Failed attempts per address over a sliding window: what keeps join codes from being guessed."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class Attempts:
    """At most `limit` failures per key in any `window_s` seconds; keys are bounded in number."""

    def __init__(
        self,
        limit: int,
        window_s: float = 60.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window_s, self.max_keys, self.clock = limit, window_s, max_keys, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        """The key's failures still inside the window (older ones dropped)."""
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, key: str) -> int:
        """Seconds until the key may try again (0: now)."""
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            if len(times) < self.limit:
                return 0
            return max(1, math.ceil(times[0] + self.window_s - now))

    def fail(self, key: str) -> None:
        """Count one failure of the key."""
        with self._lock:
            now = self.clock()
            times = self._recent(key, now)
            if key not in self._failures:
                if len(self._failures) >= self.max_keys:
                    # Many addresses at once: forget the one that started failing first.
                    del self._failures[next(iter(self._failures))]
                self._failures[key] = times
            times.append(now)
