"""Sample events for the first end-to-end slice, published with kafka-python.

The payload is provisional JSON: the Avro contracts and real connectors replace it.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from kafka import KafkaProducer

SAMPLE_ENTERPRISES = tuple(f"sample-enterprise-{n:02d}" for n in range(1, 6))
_EVENT_NAMESPACE = uuid.UUID("6f1f4a52-8a53-4b8e-9d39-3f3c1e0b7a11")


def sample_events(count: int, seed: int, dept: str) -> list[tuple[str, dict[str, object]]]:
    """``count`` (key, event) pairs; the same seed always gives the same events and ids."""
    rng = random.Random(seed)  # noqa: S311 -- reproducible sample data, not secrets
    start = datetime(2025, 1, 1, tzinfo=UTC)
    events = []
    for index in range(count):
        enterprise = rng.choice(SAMPLE_ENTERPRISES)
        occurred = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
        event = {
            "event_id": str(uuid.uuid5(_EVENT_NAMESPACE, f"{dept}/{seed}/{index}")),
            "department": dept,
            "enterprise_id": enterprise,
            "occurred_at_ms": int(occurred.timestamp() * 1000),
        }
        events.append((enterprise, event))
    return events


def publish_sample_events(
    producer: KafkaProducer, topic: str, count: int, seed: int, dept: str
) -> Counter[str]:
    """Publish and wait until the broker acknowledged every one; return the count per key."""
    sent: Counter[str] = Counter()
    futures = []
    for key, event in sample_events(count, seed, dept):
        futures.append(
            producer.send(
                topic,
                key=key.encode(),
                value=json.dumps(event).encode(),
                timestamp_ms=int(event["occurred_at_ms"]),  # type: ignore[call-overload]
            )
        )
        sent[key] += 1
    producer.flush()
    for future in futures:
        future.get(timeout=30)  # raises if the broker refused any
    return sent
