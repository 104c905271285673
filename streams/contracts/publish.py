"""Publish every schema to the compacted ``hub.schemas`` topic, keyed by fingerprint, so that a
reader who meets an unknown fingerprint can fetch the writer's schema from Kafka itself."""

from __future__ import annotations

import json

from kafka import KafkaProducer

from streams.contracts.registry import SchemaRegistry

SCHEMAS_TOPIC = "hub.schemas"


def publish_schemas(
    producer: KafkaProducer, registry: SchemaRegistry, topic: str = SCHEMAS_TOPIC
) -> int:
    """Send each schema (key: fingerprint hex, value: the .avsc text); wait for the broker."""
    futures = [
        producer.send(
            topic,
            key=schema.fingerprint.hex().encode(),
            value=json.dumps(schema.definition, ensure_ascii=False).encode("utf-8"),
            headers=[
                ("event_type", schema.event_type.encode()),
                ("version", str(schema.version).encode()),
            ],
        )
        for schema in registry.schemas
    ]
    producer.flush()
    for future in futures:
        future.get(timeout=30)
    return len(futures)
