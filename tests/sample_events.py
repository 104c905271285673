"""Sample accident reports for the worker slice test: built, validated and Avro-encoded the way a
connector does, and published with plain kafka-python (no transactions, no checkpoints): test
data for an agent, not a connector."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from kafka import KafkaProducer

from streams.contracts.codes import CodeLists
from streams.contracts.envelope import build_event
from streams.contracts.identifiers import uscc_check_char
from streams.contracts.registry import SchemaRegistry
from streams.contracts.validation import EventValidator
from streams.contracts.wire import encode

EVENT_TYPE = "emergency.accident-report"
SOURCE_SYSTEM = "sample-accident-register"


def _uscc(serial: int) -> str:
    first17 = f"91370211MA{serial:07d}"
    return first17 + uscc_check_char(first17)


SAMPLE_ENTERPRISES = tuple(_uscc(serial) for serial in range(1, 6))


def sample_events(count: int, seed: int, codes: CodeLists) -> list[dict[str, Any]]:
    """``count`` valid accident reports; the same seed always gives the same events and ids."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    events = []
    for index in range(count):
        occurred = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
        deaths = 1 if rng.random() < 0.02 else 0
        serious = rng.choice((0, 0, 0, 1))
        minor = rng.choice((0, 1, 1, 2))
        loss = round(rng.uniform(0.5, 80.0), 1)
        accident_id = f"SG-{seed}-{index:06d}"
        payload = {
            "accident_id": accident_id,
            "enterprise_id": rng.choice(SAMPLE_ENTERPRISES),
            "district": rng.choice(sorted(codes.districts.codes)),
            "industry": rng.choice(("C3311", "C3731", "E4710", "G5430", "B0610")),
            "accident_type": rng.choice(sorted(codes.accident_types.codes)),
            "deaths": deaths,
            "serious_injuries": serious,
            "minor_injuries": minor,
            "victims": deaths + serious + minor,
            "direct_loss_wan_cny": loss,
            "grade": codes.accident_grade(deaths, serious, loss),
            "description": "示例事故 sample accident",
        }
        events.append(
            build_event(
                EVENT_TYPE,
                1,
                "emergency",
                SOURCE_SYSTEM,
                f"sample:{seed}:{index}",
                accident_id,
                occurred,
                occurred + timedelta(hours=rng.randrange(1, 48)),
                "connector:sample",
                payload,
            )
        )
    return events


def publish_sample_events(
    producer: KafkaProducer,
    topic: str,
    count: int,
    seed: int,
    registry: SchemaRegistry,
    codes: CodeLists,
) -> Counter[str]:
    """Validate, encode and publish; wait until the broker acknowledged every one; return the
    count per enterprise (the message key)."""
    schema = registry.latest(EVENT_TYPE)
    validator = EventValidator(codes)
    sent: Counter[str] = Counter()
    futures = []
    for event in sample_events(count, seed, codes):
        verdict = validator.validate(schema, event)
        if not verdict.ok:
            raise ValueError(f"sample event {event['accident_id']} is invalid: {verdict.reasons()}")
        key = event["enterprise_id"]
        timestamp = int(event["envelope"]["occurred_at"].timestamp() * 1000)
        futures.append(
            producer.send(
                topic, key=key.encode(), value=encode(schema, event), timestamp_ms=timestamp
            )
        )
        sent[key] += 1
    producer.flush()
    for future in futures:
        future.get(timeout=30)  # raises if the broker refused any
    return sent
