"""The worker's fused groups: held runs of one network, data and optimizer stepping as one.

The worker asks, each time a run's turn comes, which other runs could step with it now;
those that share its network, dataset, device, optimizer type and batch size (and are
running, with their turn due) train as one stacked step (`models.fused.FusedGroup`). A
group keeps its members' weights and optimizer state between slices; a run leaves it,
with its state handed back to its own module and optimizer, whenever it is saved,
changed, paused, stopped or dropped, and joins again on a later turn.
"""

from __future__ import annotations

from collections.abc import Sequence

from models.fused import FusedGroup, fuse_blocker
from models.job import GroupFactory, GroupJob, Job
from models.train import StepResult, Trainer

MAX_GROUP = 64  # runs in one stacked step: memory grows with it, speed stops growing


class Fusion:
    """Which held runs step together, and the groups that step them."""

    def __init__(self, enabled: bool = True, make_group: GroupFactory = FusedGroup) -> None:
        self.enabled = enabled
        self.make_group = make_group  # the group job: stacked steps on this process's device
        self.groups: dict[str, GroupJob] = {}
        self.member_of: dict[str, str] = {}  # run id -> its group's key
        self.trainers: dict[str, Trainer] = {}  # run id -> the trainer in a group

    def key(self, job: Job, spec: str) -> str | None:
        """What a run must share with others to step with them (None: it steps alone)."""
        if not self.enabled or not isinstance(job, Trainer) or fuse_blocker(job) is not None:
            return None
        return f"{spec}|{job.config.optimizer}|{job.batch_size}"

    def release(self, run_id: str) -> None:
        """Take a run out of its group (its module and optimizer own their state again)."""
        key = self.member_of.pop(run_id, None)
        trainer = self.trainers.pop(run_id, None)
        if key is None or trainer is None:
            return
        group = self.groups[key]
        group.leave(trainer)
        if not group.members:
            del self.groups[key]

    def forget(self, run_id: str) -> None:
        """Drop a run whose group failed mid-step: the group goes, its state no longer sound."""
        key = self.member_of.pop(run_id, None)
        self.trainers.pop(run_id, None)
        if key is not None:
            self.groups.pop(key, None)
            for other in [r for r, k in self.member_of.items() if k == key]:
                self.member_of.pop(other, None)
                self.trainers.pop(other, None)

    def step(
        self, members: Sequence[tuple[str, Trainer]], key: str, n: int, evaluate: Sequence[bool]
    ) -> list[StepResult]:
        """Step these runs (all of one key) together for n steps; each one's result, in order."""
        wanted = {run_id for run_id, _ in members}
        for run_id in [r for r, k in self.member_of.items() if k == key and r not in wanted]:
            self.release(run_id)  # in the group last time, not ready now: it waits alone
        group = self.groups.get(key)
        for run_id, trainer in members:
            if self.member_of.get(run_id) == key:
                continue
            self.release(run_id)
            if group is None:
                group = self.groups[key] = self.make_group([trainer])
            else:
                group.join(trainer)
            self.member_of[run_id], self.trainers[run_id] = key, trainer
        assert group is not None
        order = {run_id: i for i, (run_id, _) in enumerate(members)}
        ids = {id(trainer): run_id for run_id, trainer in members}
        stepped = list(group.members)  # the results' order (diverged members leave in step)
        flags = [evaluate[order[ids[id(t)]]] for t in stepped]
        results = group.step(n, evaluate=flags)
        by_trainer = {id(t): r for t, r in zip(stepped, results, strict=True)}
        for run_id, trainer in members:
            if trainer.diverged is not None:
                # The group let it go; it fails on its own, the others go on.
                self.member_of.pop(run_id, None)
                self.trainers.pop(run_id, None)
        if not group.members:
            self.groups.pop(key, None)
        return [by_trainer[id(trainer)] for _, trainer in members]
