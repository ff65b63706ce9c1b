"""Fan-out of each run's frames to its websocket viewers, with bounded memory per viewer."""

# Every viewer holds only pending state: metric rows (a bounded deque), the latest status and
# the newest frame of each heavy topic. So a slow viewer loses old rows and stale frames; it
# never slows the producer or grows memory. Everything runs on the event loop's thread.

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Final

from server.frames import to_json

METRICS: Final = "metrics"
STATUS: Final = "status"  # every viewer gets status frames; asking for them is harmless


class SubscriberClosed(Exception):  # noqa: N818 - it names the state, like asyncio.CancelledError.
    """Raised by `Subscriber.get()` once the subscriber is closed or unsubscribed."""


def _check_hz(max_hz: float) -> float:
    """The rate as a float; ValueError unless it is positive (math.inf means unlimited)."""
    if not max_hz > 0:  # Also refuses NaN.
        raise ValueError(f"max_hz must be positive, got {max_hz!r}")
    return float(max_hz)


def _topic_set(topics: Iterable[str]) -> set[str]:
    """The topics as a set; refuses a bare string, which would split into letters."""
    if isinstance(topics, str):
        raise TypeError(f"topics must be an iterable of strings, not the string {topics!r}")
    result = set(topics)
    for topic in result:
        if not isinstance(topic, str) or not topic:
            raise ValueError(f"topic must be a non-empty string, got {topic!r}")
    return result


class Subscriber:
    """One viewer: its topics, its rate cap, its own bounded queue."""

    def __init__(
        self,
        run_id: str,
        topics: Iterable[str],
        max_hz: float,
        *,
        max_rows: int,
        detach: Callable[[Subscriber], None],
    ) -> None:
        self.run_id = run_id
        self.topics: set[str] = set()
        self.max_hz = _check_hz(max_hz)
        self.dropped = 0
        self._rows: deque[str] = deque(maxlen=max_rows)  # Each row's JSON, shared by viewers.
        self._status: str | None = None
        self._frames: dict[str, bytes] = {}  # Heavy topic -> newest unsent frame.
        self._next: dict[str, float] = {}  # Rate-limited topic -> earliest loop time to send.
        self._event = asyncio.Event()
        # While get() sleeps until a due time, a publish for a topic not due before then
        # need not wake it: without this a fast producer would spin a slow reader's loop.
        self._wake_at = math.inf
        self._closed = False
        self._detach: Callable[[Subscriber], None] | None = detach
        self._set_topics(topics)

    @property
    def closed(self) -> bool:
        """Whether close() or unsubscribe has ended this subscriber."""
        return self._closed

    @property
    def pending(self) -> int:
        """Items waiting to be sent: metric rows, a status and heavy frames."""
        return len(self._rows) + (self._status is not None) + len(self._frames)

    def _set_topics(self, topics: Iterable[str]) -> None:
        """Replace the topic set, dropping pending state of topics no longer wanted."""
        new = _topic_set(topics)
        self.topics = new
        if METRICS not in new:
            self._rows.clear()
        for topic in [t for t in self._frames if t not in new]:
            del self._frames[topic]
        for topic in [t for t in self._next if t not in new]:
            del self._next[topic]

    def _wake(self, topic: str | None) -> None:
        """Wake a waiting get() if the new item (None: a status) may be sent before it wakes."""
        if topic is None or self._next.get(topic, -math.inf) < self._wake_at:
            self._event.set()

    def _push_rows(self, texts: list[str]) -> None:
        """Queue metric rows, oldest dropped past the bound."""
        overflow = len(self._rows) + len(texts) - (self._rows.maxlen or 0)
        if overflow > 0:
            self.dropped += overflow
        self._rows.extend(texts)
        self._wake(METRICS)

    def _push_status(self, text: str) -> None:
        """Replace any unsent status with this one."""
        if self._status is not None:
            self.dropped += 1
        self._status = text
        self._wake(None)

    def _push_frame(self, topic: str, frame: bytes) -> None:
        """Replace any unsent frame of this topic with this one."""
        if topic in self._frames:
            self.dropped += 1
        self._frames[topic] = frame
        self._wake(topic)

    def _take(self, topic: str) -> str | bytes:
        """Remove and return the pending frame of a rate-limited topic."""
        if topic == METRICS:
            text = '{"type":"metrics","rows":[' + ",".join(self._rows) + "]}"
            self._rows.clear()
            return text
        return self._frames.pop(topic)

    async def get(self) -> str | bytes:
        """Next frame, JSON text (str) or binary (bytes); waits; SubscriberClosed once closed."""
        loop = asyncio.get_running_loop()
        while True:
            if self._closed:
                raise SubscriberClosed(self.run_id)
            if self._status is not None:  # Status is never held back by the rate...
                if self._rows:  # ...but never overtakes rows published before it either.
                    return self._take(METRICS)
                status, self._status = self._status, None
                return status
            now = loop.time()
            due_topic: str | None = None
            due_at = math.inf
            ready = [METRICS] if self._rows else []
            for topic in [*ready, *self._frames]:
                at = self._next.get(topic, -math.inf)
                if at < due_at:  # Earliest due first: topics take turns fairly.
                    due_topic, due_at = topic, at
            if due_topic is not None and due_at <= now:
                self._next[due_topic] = now + 1.0 / self.max_hz
                return self._take(due_topic)
            # Nothing sendable now: sleep until something arrives or the next topic falls due.
            # The check above and this clear run with no await between, so no wake is lost.
            self._event.clear()
            self._wake_at = due_at
            try:
                if due_topic is None:
                    await self._event.wait()
                else:
                    try:
                        async with asyncio.timeout_at(due_at):
                            await self._event.wait()
                    except TimeoutError:
                        pass
            finally:
                self._wake_at = math.inf

    def __aiter__(self) -> Subscriber:
        """Iterate frames with `async for`, ending when the subscriber closes."""
        return self

    async def __anext__(self) -> str | bytes:
        """The next frame; StopAsyncIteration once closed."""
        try:
            return await self.get()
        except SubscriberClosed:
            raise StopAsyncIteration from None

    def close(self) -> None:
        """End this subscriber: leave the hub, drop pending frames, wake get() to raise."""
        if self._closed:
            return
        self._closed = True
        self._rows.clear()
        self._status = None
        self._frames.clear()
        self._event.set()
        detach, self._detach = self._detach, None
        if detach is not None:
            detach(self)


class Hub:
    """Routes each run's frames to its subscribers: status to all, other topics to their viewers."""

    def __init__(self, max_queue: int = 64, *, max_rows: int = 10_000) -> None:
        if max_queue < 1 or max_rows < 1:
            raise ValueError("max_queue and max_rows must be at least 1")
        # Each topic holds at most one pending frame, so capping topics caps frames.
        self.max_queue = max_queue
        # Rows are many and small; a reader at a few Hz must not lose rows to a fast trainer.
        self.max_rows = max_rows
        self._runs: dict[str, set[Subscriber]] = {}

    def _check_topics(self, topics: set[str]) -> None:
        """ValueError when a viewer asks for more topics than its queue bound allows."""
        if len(topics) > self.max_queue:
            raise ValueError(f"at most {self.max_queue} topics per subscriber, got {len(topics)}")

    def subscribe(self, run_id: str, topics: Iterable[str], max_hz: float = 10.0) -> Subscriber:
        """A new viewer of `run_id` for `topics`, sent at most `max_hz` frames/s per topic."""
        sub = Subscriber(run_id, topics, max_hz, max_rows=self.max_rows, detach=self._detach)
        self._check_topics(sub.topics)
        self._runs.setdefault(run_id, set()).add(sub)
        return sub

    def update(
        self,
        sub: Subscriber,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
        max_hz: float | None = None,
    ) -> None:
        """Change a viewer's topics and rate; pending frames of removed topics are dropped."""
        topics = (sub.topics | _topic_set(add)) - _topic_set(remove)
        self._check_topics(topics)
        if max_hz is not None:
            sub.max_hz = _check_hz(max_hz)
        sub._set_topics(topics)

    def unsubscribe(self, sub: Subscriber) -> None:
        """Remove a viewer; a get() waiting on it raises SubscriberClosed. Idempotent."""
        sub.close()

    def _detach(self, sub: Subscriber) -> None:
        """Forget a closed subscriber, and its run once no one watches it."""
        subs = self._runs.get(sub.run_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._runs[sub.run_id]

    def publish_metrics(self, run_id: str, rows: list[dict[str, Any]]) -> None:
        """Queue metric rows for every metrics viewer, batched per viewer at its rate."""
        subs = [sub for sub in self._runs.get(run_id, ()) if METRICS in sub.topics]
        if not subs or not rows:
            return
        texts = [to_json(row) for row in rows]  # Serialised once, shared by every viewer.
        for sub in subs:
            sub._push_rows(texts)

    def publish_status(self, run_id: str, status: dict[str, Any]) -> None:
        """Send `{"type":"status",...}` to every viewer of the run at once; newest wins."""
        subs = self._runs.get(run_id)
        if not subs:
            return
        text = to_json({"type": "status", **{k: v for k, v in status.items() if k != "type"}})
        for sub in subs:
            sub._push_status(text)

    def publish_tensor(self, run_id: str, topic: str, frame: bytes) -> None:
        """Offer a heavy topic's encoded frame; each viewer of it gets the newest, at its rate."""
        for sub in self._runs.get(run_id, ()):
            if topic in sub.topics:
                sub._push_frame(topic, frame)

    def wanted(self, run_id: str) -> dict[str, float]:
        """Topic -> highest max_hz among the run's viewers: what the producer should compute."""
        rates: dict[str, float] = {}
        for sub in self._runs.get(run_id, ()):
            for topic in sub.topics:
                rates[topic] = max(rates.get(topic, 0.0), sub.max_hz)
        return rates

    def viewers(self, run_id: str) -> int:
        """How many subscribers watch the run."""
        return len(self._runs.get(run_id, ()))
