"""The connectors' transactional producer, on librdkafka (confluent-kafka).

kafka-python's producer does its batching and network work in a Python thread, which shares the
GIL with the connector's own work: one CSV published at 2,600-2,900 records/s with it, at about
5,000 records/s on librdkafka, whose threads are C (docs/benchmarks.md, 2 December). Everything
else in the hub stays on kafka-python and aiokafka, so this class speaks kafka-python's language
to the connector: the same five transaction calls, and kafka-python's errors (``kafka.errors``),
which the command line already turns into one clear line.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import kafka.errors
from confluent_kafka import KafkaError as RdKafkaError
from confluent_kafka import KafkaException, Producer

from streams.kafka_auth import NO_AUTH, KafkaAuth

log = logging.getLogger(__name__)
#: How long a transaction's set-up, commit or abort may take before it counts as stuck: under
#: the connector's own guard (connectors/pipeline.py, 30 s), so librdkafka's ends it first.
TIMEOUT_S = 25.0
#: librdkafka's delivery failures that mean "the brokers did not answer in time": the connector
#: hands over to a fresh producer, which resumes from the last committed checkpoint.
_TIMEOUTS = frozenset({RdKafkaError._TIMED_OUT, RdKafkaError._MSG_TIMED_OUT,
                       RdKafkaError._TRANSPORT, RdKafkaError._ALL_BROKERS_DOWN})  # fmt: skip


def connector_producer_config(
    bootstrap: str, client_id: str, transactional_id: str, auth: KafkaAuth = NO_AUTH
) -> dict[str, Any]:
    """librdkafka's settings for a connector: idempotent, every in-sync replica, and Kafka's
    Java partitioner (murmur2), so that a key lands on the partition the hub's other producers
    (kafka-python, aiokafka) give it."""
    return {
        "bootstrap.servers": bootstrap,
        "client.id": client_id,
        "transactional.id": transactional_id,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 5,
        "partitioner": "murmur2_random",
        # librdkafka waits 100 ms by default before asking again for a coordinator or metadata
        "retry.backoff.ms": 10,
        **auth.librdkafka(),
    }


class ConnectorProducer:
    """A transactional producer with kafka-python's method names and errors."""

    def __init__(self, config: dict[str, Any], timeout_s: float = TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self.transactional_id = str(config["transactional.id"])
        self._refused: tuple[str, RdKafkaError] | None = None  # the first failed delivery
        self._producer = Producer(config, logger=log, error_cb=self._on_error)

    def init_transactions(self) -> None:
        """Fences an earlier producer with the same transactional id, aborting its open
        transaction."""
        self._call(self._producer.init_transactions, "set-up")

    def begin_transaction(self) -> None:
        self._refused = None
        try:
            self._producer.begin_transaction()
        except KafkaException as failed:
            raise self._failed(failed, "begin") from None

    def send(self, topic: str, key: bytes | None, value: bytes) -> None:
        """Queues one message of the open transaction; its delivery is checked at the commit."""
        while True:
            try:
                self._producer.produce(topic, value, key, on_delivery=self._on_delivery)
                break
            except BufferError:  # librdkafka's own queue is full: let it drain first
                self._producer.poll(0.1)
        self._producer.poll(0)

    def commit_transaction(self) -> None:
        """Delivers every message of the transaction, then commits it; raises if the brokers
        refused any message, or did not answer within ``timeout_s``."""
        self._call(self._producer.commit_transaction, "commit")

    def abort_transaction(self) -> None:
        self._call(self._producer.abort_transaction, "abort")

    def close(self, timeout: float | None = None) -> None:
        """Closes the producer. ``timeout=0``: drop what it still holds and do not wait (a stuck
        producer being replaced; the broker aborts its transaction when the next one fences
        it)."""
        if timeout == 0:
            self._producer.purge(blocking=False)
            threading.Thread(target=self._drop, name="drop-producer", daemon=True).start()
            return
        try:
            self._producer.close()
        except KafkaException as failed:
            raise self._failed(failed, "close") from None

    def _drop(self) -> None:
        try:
            self._producer.close()
        except KafkaException as failed:  # fenced or stuck: it is being replaced anyway
            log.info("producer %s dropped: %s", self.transactional_id, failed.args[0].str())

    def _call(self, action: Any, what: str) -> None:
        try:
            action(self.timeout_s)
        except KafkaException as failed:
            raise self._failed(failed, what) from None

    def _failed(self, failed: KafkaException, what: str) -> kafka.errors.KafkaError:
        return kafka_python_error(failed.args[0], what, self.transactional_id, self._refused)

    def _on_delivery(self, error: RdKafkaError | None, message: Any) -> None:
        if error is not None and self._refused is None:
            self._refused = (message.topic(), error)

    def _on_error(self, error: RdKafkaError) -> None:
        # librdkafka retries by itself (a broker down, a connection lost); the commit decides
        log.warning("producer %s: %s", self.transactional_id, error.str())


def kafka_python_error(
    error: RdKafkaError, what: str, transactional_id: str, refused: tuple[str, RdKafkaError] | None
) -> kafka.errors.KafkaError:
    """kafka-python's error for what librdkafka reported about a transaction's ``what`` (set-up,
    begin, commit, abort), naming the topic whose delivery failed first, if one did: a timeout
    (the connector then hands over to a fresh producer), a broker's refusal by its own class
    (TopicAuthorizationFailedError, ...), or a plain KafkaError."""
    where, cause = f"transactional id {transactional_id}", error
    if refused is not None:
        topic, cause = refused
        where = f"topic {topic}"
    message = f"the transaction's {what} failed for {where}: {cause.str()}"
    if cause.code() in _TIMEOUTS or (cause is error and error.retriable()):
        return kafka.errors.KafkaTimeoutError(message)
    if cause.code() > 0:  # a broker's error code: kafka-python has a class for each
        return kafka.errors.for_code(cause.code())(message)
    return kafka.errors.KafkaError(message)
