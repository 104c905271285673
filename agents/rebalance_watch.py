"""Where the agents are when a rebalance does not end.

Before it gives partitions up, Faust waits for every event its agents have started on; an agent
blocked in one holds the whole group's rebalance, and Faust names the event only ("wait_empty:
Waiting for tasks") while the agents' stacks go to INFO, which a worker at WARNING drops. This
timer logs them at WARNING, once per ``STUCK_AFTER_S`` of one rebalance.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import faust

log = logging.getLogger(__name__)
STUCK_AFTER_S = 60.0
LOOK_EVERY_S = 5.0


@dataclass
class RebalanceWatch:
    """``rebalancing`` and ``stacks`` read the app; ``clock`` is injectable for tests."""

    rebalancing: Callable[[], bool]
    stacks: Callable[[], str]
    clock: Callable[[], float] = time.monotonic
    stuck_after_s: float = STUCK_AFTER_S
    _since: float | None = None
    _reported_at: float | None = None

    def look(self) -> str | None:
        """The agents' stacks once a rebalance has lasted ``stuck_after_s`` (and again each
        ``stuck_after_s`` after that); None otherwise."""
        if not self.rebalancing():
            self._since = self._reported_at = None
            return None
        now = self.clock()
        if self._since is None:
            self._since = now
        last = self._reported_at if self._reported_at is not None else self._since
        if now - last < self.stuck_after_s:
            return None
        self._reported_at = now
        return (f"a rebalance has waited {now - self._since:.0f} s for the agents to finish the "
                f"events in flight; where they are:\n{self.stacks()}")  # fmt: skip


def watch_rebalances(app: faust.App, every_s: float = LOOK_EVERY_S) -> RebalanceWatch:
    watch = RebalanceWatch(lambda: bool(app.rebalancing), app.agents.human_tracebacks)

    async def look() -> None:
        if (report := watch.look()) is not None:
            log.warning("%s", report)

    app.timer(every_s, name="rebalance-watch")(look)
    return watch
