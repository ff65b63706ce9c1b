"""The hub: every metric row once and in order, rate caps, latest-value frames, bounded memory."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import random
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from server.hub import Hub, Subscriber, SubscriberClosed

T = TypeVar("T")
RUN = "run-1"


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run one test coroutine on a fresh event loop."""
    return asyncio.run(coro)


async def get_soon(sub: Subscriber, timeout: float = 1.0) -> str | bytes:
    """The subscriber's next frame, failing the test if none comes in time."""
    async with asyncio.timeout(timeout):
        return await sub.get()


async def nothing_within(sub: Subscriber, seconds: float) -> bool:
    """Whether get() stays waiting for `seconds`."""
    try:
        async with asyncio.timeout(seconds):
            await sub.get()
    except TimeoutError:
        return True
    return False


def rows_of(frame: str | bytes) -> list[dict[str, Any]]:
    """The rows of a metrics frame."""
    assert isinstance(frame, str)
    message = json.loads(frame)
    assert message["type"] == "metrics"
    rows: list[dict[str, Any]] = message["rows"]
    return rows


async def collect_rows(sub: Subscriber, total: int, into: list[int]) -> None:
    """Read metrics frames until `total` rows have arrived, keeping their steps."""
    while len(into) < total:
        into.extend(row["step"] for row in rows_of(await sub.get()))


def test_every_row_arrives_once_and_in_order() -> None:
    async def main() -> None:
        hub = Hub()
        capped = hub.subscribe(RUN, ["metrics"], max_hz=100)
        unlimited = hub.subscribe(RUN, ["metrics"], max_hz=math.inf)
        rng = random.Random(0)
        sizes = [rng.randint(1, 7) for _ in range(300)]
        total = sum(sizes)
        got_capped: list[int] = []
        got_unlimited: list[int] = []
        readers = [
            asyncio.create_task(collect_rows(capped, total, got_capped)),
            asyncio.create_task(collect_rows(unlimited, total, got_unlimited)),
        ]
        step = 0
        for size in sizes:
            hub.publish_metrics(RUN, [{"step": step + i, "train_loss": 1.0} for i in range(size)])
            step += size
            await asyncio.sleep(0.001 if rng.random() < 0.3 else 0)
        async with asyncio.timeout(3):
            await asyncio.gather(*readers)
        assert got_capped == list(range(total)) and got_unlimited == list(range(total))
        assert capped.dropped == 0 and unlimited.dropped == 0

    run(main())


def test_metrics_batches_respect_max_hz() -> None:
    async def main() -> None:
        hub = Hub()
        sub = hub.subscribe(RUN, ["metrics"], max_hz=10)
        frames: list[float] = []
        steps: list[int] = []

        async def read() -> None:
            while True:
                steps.extend(row["step"] for row in rows_of(await sub.get()))
                frames.append(time.monotonic())

        reader = asyncio.create_task(read())
        start = time.monotonic()
        step = 0
        while time.monotonic() - start < 0.5:
            hub.publish_metrics(RUN, [{"step": step}])
            step += 1
            await asyncio.sleep(0.0005)
        sent_in_window = len(frames)
        await asyncio.sleep(0.25)  # Let the last batch fall due.
        reader.cancel()
        # 10 Hz over 0.5 s: the first batch at once, then one per 0.1 s.
        assert 3 <= sent_in_window <= 6, frames
        gaps = [b - a for a, b in itertools.pairwise(frames)]
        assert min(gaps) >= 0.09, gaps
        assert steps == list(range(step)) and step > 100

    run(main())


def test_never_reading_viewer_stays_bounded_while_a_fast_one_gets_everything() -> None:
    async def main() -> None:
        hub = Hub(max_queue=8, max_rows=1000)
        topics = ["metrics", "feature_maps:c1", "erf:c1"]
        stalled = hub.subscribe(RUN, topics, max_hz=10)
        fast = hub.subscribe(RUN, topics, max_hz=math.inf)
        steps: list[int] = []
        frames: list[bytes] = []

        async def read() -> None:
            while True:
                frame = await fast.get()
                if isinstance(frame, bytes):
                    frames.append(frame)
                else:
                    steps.extend(row["step"] for row in rows_of(frame))

        reader = asyncio.create_task(read())
        for batch in range(1000):
            hub.publish_metrics(RUN, [{"step": batch * 100 + i} for i in range(100)])
            hub.publish_tensor(RUN, "feature_maps:c1", b"fm%d" % batch)
            hub.publish_tensor(RUN, "erf:c1", b"erf%d" % batch)
            assert stalled.pending <= 1000 + 2
            await asyncio.sleep(0)
        await asyncio.sleep(0.01)
        reader.cancel()
        assert steps == list(range(100_000))
        assert len(frames) == 2000 and fast.dropped == 0
        assert stalled.pending == 1000 + 2
        # 99 000 rows lost to the bound, and all but the newest of each heavy topic.
        assert stalled.dropped == 99_000 + 2 * 999
        left = rows_of(await get_soon(stalled))
        assert [row["step"] for row in left] == list(range(99_000, 100_000))

    run(main())


def test_slow_heavy_reader_gets_newest_frame_only() -> None:
    async def main() -> None:
        hub = Hub()
        sub = hub.subscribe(RUN, ["feature_maps:c1"], max_hz=math.inf)
        other = hub.subscribe(RUN, ["feature_maps:c1"], max_hz=math.inf)
        frames = [b"frame-%d" % i for i in range(10)]
        for frame in frames:
            hub.publish_tensor(RUN, "feature_maps:c1", frame)
        first = await get_soon(sub)
        assert first == b"frame-9" and sub.dropped == 9
        assert first is await get_soon(other)  # One encoding, shared by every viewer.
        assert await nothing_within(sub, 0.05)

    run(main())


def test_heavy_topic_is_rate_capped_and_delivers_the_newest_when_due() -> None:
    async def main() -> None:
        hub = Hub()
        sub = hub.subscribe(RUN, ["feature_maps:c1", "erf:c1"], max_hz=5)
        hub.publish_tensor(RUN, "feature_maps:c1", b"a")
        hub.publish_tensor(RUN, "erf:c1", b"e")
        start = time.monotonic()
        assert {await get_soon(sub), await get_soon(sub)} == {b"a", b"e"}  # Topics capped apart.
        hub.publish_tensor(RUN, "feature_maps:c1", b"b")
        hub.publish_tensor(RUN, "feature_maps:c1", b"c")
        hub.publish_tensor(RUN, "other", b"x")  # Nobody watches it.
        assert await get_soon(sub) == b"c"
        assert 0.18 <= time.monotonic() - start < 1.0

    run(main())


def test_status_is_prompt_latest_wins_and_reaches_every_viewer() -> None:
    async def main() -> None:
        hub = Hub()
        sub = hub.subscribe(RUN, ["metrics"], max_hz=2)
        heavy = hub.subscribe(RUN, ["feature_maps:c1"])
        hub.publish_metrics(RUN, [{"step": 0}])
        rows_of(await get_soon(sub))
        hub.publish_metrics(RUN, [{"step": 1}])  # Not due for half a second.
        waiter = asyncio.create_task(sub.get())
        await asyncio.sleep(0.02)
        start = time.monotonic()
        hub.publish_status(RUN, {"status": "running", "step": 1})
        # The row published before the status goes first, early, so the status never
        # overtakes it; then the status, both far below the rate interval.
        assert rows_of(await asyncio.wait_for(waiter, 1)) == [{"step": 1}]
        status = json.loads(await get_soon(sub, 0.3))
        assert time.monotonic() - start < 0.3
        assert status == {"type": "status", "status": "running", "step": 1}

        hub.publish_status(RUN, {"status": "paused", "type": "ignored"})
        hub.publish_status(RUN, {"status": "stopped", "loss": float("nan")})
        assert json.loads(await get_soon(sub, 0.1)) == {
            "type": "status",
            "status": "stopped",
            "loss": None,
        }
        assert json.loads(await get_soon(heavy, 0.1))["status"] == "stopped"
        assert heavy.dropped == 2  # It had not read "running" or "paused".

    run(main())


@pytest.mark.parametrize("how", ["unsubscribe", "close"])
def test_closing_wakes_a_waiting_get_which_raises(how: str) -> None:
    async def main() -> None:
        hub = Hub()
        idle = hub.subscribe(RUN, ["metrics"])
        capped = hub.subscribe(RUN, ["metrics"], max_hz=0.5)
        hub.publish_metrics(RUN, [{"step": 0}])
        await get_soon(capped)
        hub.publish_metrics(RUN, [{"step": 1}])  # Pending, not due for two seconds.
        await get_soon(idle)
        waiters = [asyncio.create_task(sub.get()) for sub in (idle, capped)]
        await asyncio.sleep(0.02)
        start = time.monotonic()
        for sub in (idle, capped):
            if how == "unsubscribe":
                hub.unsubscribe(sub)
            else:
                sub.close()
        for waiter in waiters:
            with pytest.raises(SubscriberClosed):
                await asyncio.wait_for(waiter, 1)
        assert time.monotonic() - start < 0.3  # Far below the rate interval.
        assert idle.closed and hub.viewers(RUN) == 0 and hub.wanted(RUN) == {}
        with pytest.raises(SubscriberClosed):
            await idle.get()
        hub.unsubscribe(idle)  # Idempotent.
        idle.close()
        hub.publish_metrics(RUN, [{"step": 2}])  # Goes nowhere.
        assert idle.pending == 0

    run(main())


def test_async_for_ends_on_close() -> None:
    async def main() -> None:
        hub = Hub()
        sub = hub.subscribe(RUN, ["feature_maps:c1"])
        hub.publish_tensor(RUN, "feature_maps:c1", b"x")
        asyncio.get_running_loop().call_later(0.05, sub.close)
        got = [frame async for frame in sub]
        assert got == [b"x"]

    run(main())


def test_wanted_follows_subscriptions_and_rates() -> None:
    hub = Hub()
    a = hub.subscribe(RUN, ["metrics", "feature_maps:c1"], max_hz=10)
    b = hub.subscribe(RUN, ["feature_maps:c1", "erf:c1"], max_hz=30)
    hub.subscribe("run-2", ["weights:fc"], max_hz=2)
    assert hub.viewers(RUN) == 2 and hub.viewers("run-2") == 1 and hub.viewers("nope") == 0
    assert hub.wanted(RUN) == {"metrics": 10, "feature_maps:c1": 30, "erf:c1": 30}
    hub.update(b, remove=["feature_maps:c1"], add=["gradients:fc"])
    assert hub.wanted(RUN) == {
        "metrics": 10,
        "feature_maps:c1": 10,
        "erf:c1": 30,
        "gradients:fc": 30,
    }
    hub.update(a, max_hz=50)
    assert hub.wanted(RUN)["feature_maps:c1"] == 50
    hub.unsubscribe(a)
    assert hub.wanted(RUN) == {"erf:c1": 30, "gradients:fc": 30}
    hub.unsubscribe(b)
    assert hub.wanted(RUN) == {} and hub.viewers(RUN) == 0
    assert hub.wanted("run-2") == {"weights:fc": 2}


def test_update_drops_pending_state_of_removed_topics() -> None:
    async def main() -> None:
        hub = Hub()
        sub = hub.subscribe(RUN, ["metrics", "feature_maps:c1"], max_hz=math.inf)
        hub.publish_metrics(RUN, [{"step": 0}])
        hub.publish_tensor(RUN, "feature_maps:c1", b"x")
        assert sub.pending == 2
        hub.update(sub, remove=["metrics", "feature_maps:c1"], add=["erf:c1"])
        assert sub.pending == 0 and sub.topics == {"erf:c1"}
        hub.publish_tensor(RUN, "erf:c1", b"e")
        assert await get_soon(sub) == b"e"

    run(main())


def test_refuses_bad_rates_and_topics() -> None:
    hub = Hub(max_queue=2)
    for bad in (0, -1, math.nan):
        with pytest.raises(ValueError, match="max_hz"):
            hub.subscribe(RUN, ["metrics"], max_hz=bad)
    with pytest.raises(TypeError, match="iterable of strings"):
        hub.subscribe(RUN, "metrics")
    with pytest.raises(ValueError, match="non-empty"):
        hub.subscribe(RUN, [""])
    with pytest.raises(ValueError, match="at most 2 topics"):
        hub.subscribe(RUN, ["a", "b", "c"])
    sub = hub.subscribe(RUN, ["a", "b"])
    with pytest.raises(ValueError, match="at most 2 topics"):
        hub.update(sub, add=["c"])
    with pytest.raises(ValueError, match="max_hz"):
        hub.update(sub, max_hz=0)
    assert sub.topics == {"a", "b"} and sub.max_hz == 10 and hub.viewers(RUN) == 1
    with pytest.raises(ValueError, match="at least 1"):
        Hub(max_queue=0)
