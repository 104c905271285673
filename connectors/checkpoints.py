"""Durable connector progress, kept in Kafka itself.

A connector writes its events and its checkpoint (last source sequence + running counts) in one
Kafka transaction, so after a crash either both are visible to ``read_committed`` readers or
neither is: a restart resumes exactly where the last committed batch ended, and nothing is
published twice.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass

from connectors.sources.base import Cursor
from streams.clients import latest_per_key, read_to_end
from streams.kafka_auth import NO_AUTH, KafkaAuth

CHECKPOINT_TOPIC = "hub.connector-checkpoints"


@dataclass(frozen=True)
class Checkpoint:
    sequence: Cursor | None = None  # None: nothing done yet
    read: int = 0
    published: int = 0
    rejected: int = 0


_SEPARATOR = "\x1f"
#: how a pushed request is named among the checkpoints (a request is its own source)
REQUEST_PREFIX = "request "


def checkpoint_key(connector: str, source: str) -> bytes:
    return f"{connector}{_SEPARATOR}{source}".encode()


def encode_checkpoint(checkpoint: Checkpoint) -> bytes:
    return json.dumps(asdict(checkpoint)).encode()


class KafkaCheckpoints:
    def __init__(
        self, bootstrap: str, topic: str = CHECKPOINT_TOPIC, auth: KafkaAuth = NO_AUTH
    ) -> None:
        self.bootstrap = bootstrap
        self.auth = auth
        self.topic = topic

    def all(self) -> dict[tuple[str, str], Checkpoint]:
        """The latest committed checkpoint of every (connector, source)."""
        records = asyncio.run(read_to_end(self.bootstrap, self.topic, auth=self.auth))
        found = {}
        for key, value in latest_per_key(records).items():
            if key is None or value is None:
                continue
            connector, _, source = key.decode().partition(_SEPARATOR)
            fields = json.loads(value)
            if isinstance(fields["sequence"], list):  # JSON has no tuples
                fields["sequence"] = tuple(fields["sequence"])
            found[(connector, source)] = Checkpoint(**fields)
        return found

    def load(self, connector: str, source: str) -> Checkpoint:
        return self.all().get((connector, source), Checkpoint())


def pushed_requests_together(
    checkpoints: dict[tuple[str, str], Checkpoint],
) -> dict[tuple[str, str], Checkpoint]:
    """The checkpoints with each connector's pushed requests summed into one "HTTP push" row."""
    merged: dict[tuple[str, str], Checkpoint] = {}
    for (connector, source), totals in checkpoints.items():
        if not source.startswith(REQUEST_PREFIX):
            merged[(connector, source)] = totals
            continue
        key = (connector, "HTTP push")
        so_far = merged.get(key, Checkpoint(0))
        requests = so_far.sequence if isinstance(so_far.sequence, int) else 0
        merged[key] = Checkpoint(
            requests + 1,  # the number of requests
            so_far.read + totals.read,
            so_far.published + totals.published,
            so_far.rejected + totals.rejected,
        )
    return merged
