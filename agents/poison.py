"""A message an agent cannot decode (corrupt bytes, a schema the hub does not know) or place (an
enterprise the registry still lacks after the wait) is data, not a crash: it goes to
``hub.dlq.hub`` with the topic, partition and offset it came from, its bytes (as text, resident
IDs masked) and the reason, and the agent goes on with the next message.

The dead letter's event id is its position and the agent's name, so a message dead-lettered again
after a restart counts once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.contracts.envelope import build_event
from streams.contracts.identifiers import mask_resident_ids
from streams.contracts.registry import SchemaRegistry
from streams.contracts.wire import DecodeError, decode, encode

DEAD_LETTER_TYPE = "hub.dead-letter"


def position_of(message: Any) -> str:
    """``topic[partition]@offset`` of a Faust message."""
    return f"{message.topic}[{message.partition}]@{message.offset}"


def undecodable_letter(
    registry: SchemaRegistry,
    agent: str,
    message: Any,
    reason: str,
    now: datetime,
    kind: str = "undecodable",
) -> bytes:
    position = position_of(message)
    raw = message.value if isinstance(message.value, bytes) else b""
    payload = {
        "connector": f"agent:{agent}",
        "source": message.topic,
        "position": position,
        "raw_record": mask_resident_ids(raw.decode("utf-8", "backslashreplace")),
        "reasons": [mask_resident_ids(reason)],
        "rejected_at": now,
    }
    schema = registry.latest(DEAD_LETTER_TYPE)
    event = build_event(DEAD_LETTER_TYPE, schema.version, "hub", "injuryhub-agents", position,
                        f"{kind}/{agent}/{position}", now, now, f"agent:{agent}",
                        payload)  # fmt: skip
    return encode(schema, event)


@dataclass(frozen=True)
class Decoder:
    """Decodes what an agent reads, dead-lettering what it cannot."""

    registry: SchemaRegistry
    dead_letters: Any  # a faust.TopicT on hub.dlq.hub
    now: Callable[[], datetime]

    async def __call__(self, message: Any, agent: str) -> dict[str, Any] | None:
        """The record of a Faust message, or None once it is dead-lettered."""
        try:
            return decode(self.registry, message.value, position_of(message))[1]
        except DecodeError as error:
            await self.reject(message, agent, str(error))
            return None

    async def reject(
        self, message: Any, agent: str, reason: str, kind: str = "undecodable"
    ) -> None:
        """Dead-letters ``message``; ``kind`` tells letters of one message apart."""
        letter = undecodable_letter(self.registry, agent, message, reason, self.now(), kind)
        key = position_of(message).encode()
        # acknowledged before the agent moves on, so its offset never passes an unsent letter
        await (await self.dead_letters.send(key=key, value=letter))
