"""Is a Kafka cluster answering requests, and with how many brokers?"""

from __future__ import annotations

import contextlib
import logging
import socket

from kafka import KafkaAdminClient

from streams.broker.layout import LISTENER_HOST
from streams.kafka_auth import NO_AUTH, KafkaAuth


def _accepts_connections(bootstrap: str) -> bool:
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection((host or LISTENER_HOST, int(port)), timeout=1):
                return True
        except OSError:
            continue
    return False


def registered_brokers(bootstrap: str, timeout_ms: int = 5000, auth: KafkaAuth = NO_AUTH) -> int:
    """How many unfenced brokers the cluster reports; 0 if it does not answer."""
    if not _accepts_connections(bootstrap):
        return 0
    quiet = logging.getLogger("kafka")
    previous = quiet.level
    quiet.setLevel(logging.CRITICAL)  # refused connections while starting are expected here
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="injuryhub-readiness",
            request_timeout_ms=timeout_ms,
            bootstrap_timeout_ms=timeout_ms,
            **auth.kafka_python(),
        )
    except Exception:  # any failure to bootstrap means "not ready yet"
        quiet.setLevel(previous)
        return 0
    try:
        cluster = admin.describe_cluster()
        return sum(not broker.get("is_fenced") for broker in cluster.get("brokers", []))
    except Exception:
        return 0
    finally:
        with contextlib.suppress(Exception):
            admin.close()
        quiet.setLevel(previous)
