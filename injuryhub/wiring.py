"""Building a connector (and the provenance recorder) from the settings: the one place where
their parts meet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from kafka import KafkaProducer

from connectors.checkpoints import CHECKPOINT_TOPIC, shared_checkpoints
from connectors.mapping import MappingFile, load_mapping
from connectors.pipeline import Connector
from connectors.pseudonym import Pseudonymiser
from streams.access.principals import ConnectorRoute, access_plan, transactional_id
from streams.clients import CONNECTOR_RETRY_BACKOFF_MS, make_producer
from streams.contracts.codes import CodeLists, load_code_lists
from streams.contracts.registry import SchemaRegistry, load_registry
from streams.contracts.validation import EventValidator
from streams.governance.recorder import PROVENANCE_TOPIC, Recorder, event_topics, writers_of
from streams.settings import HubSettings
from streams.topics.catalogue import catalogue, dlq_topic

MAPPINGS = Path(__file__).resolve().parents[1] / "connectors" / "mappings"


def mapping_path(mapping: str) -> Path:
    """A mapping name (``connectors/mappings/<name>.yaml``) or a path to a ``.yaml``."""
    return Path(mapping) if mapping.endswith(".yaml") else MAPPINGS / f"{mapping}.yaml"


@dataclass(frozen=True)
class Contracts:
    """The schemas and code lists, loaded once and shared by every connector of a process."""

    registry: SchemaRegistry
    codes: CodeLists
    validator: EventValidator


def load_contracts(settings: HubSettings) -> Contracts:
    codes = load_code_lists(settings.schemas_path, settings.districts_file)
    return Contracts(load_registry(settings.schemas_path), codes, EventValidator(codes))


def build_connector(
    settings: HubSettings,
    contracts: Contracts,
    mapping: str,
    name: str | None = None,
    topic: str | None = None,
    dead_letter_topic: str | None = None,
    checkpoint_topic: str = CHECKPOINT_TOPIC,
    checkpoint_every: int = 500,
    topic_prefix: str = "",
) -> Connector:
    """A connector with its own transactional producer (the caller closes ``.producer``).
    ``topic_prefix`` goes before the default topic names (a sandbox beside the catalogue)."""
    path = mapping_path(mapping)
    connector_name = name or path.stem
    loaded = load_mapping(path, contracts.codes)
    topic = topic or topic_prefix + loaded.spec.event_topic
    dead_letter_topic = dead_letter_topic or topic_prefix + dlq_topic(loaded.spec.department)

    def new_producer() -> KafkaProducer:
        return make_producer(
            settings.bootstrap,
            connector_name,
            auth=settings.kafka_auth,
            transactional_id=transactional_id(connector_name, topic_prefix),
            retry_backoff_ms=CONNECTOR_RETRY_BACKOFF_MS,
        )

    producer = new_producer()
    try:
        return Connector(
            connector_name,
            loaded,
            contracts.registry,
            contracts.validator,
            Pseudonymiser(settings.pseudonym_key),
            producer,
            shared_checkpoints(
                settings.bootstrap, topic_prefix + checkpoint_topic, auth=settings.kafka_auth
            ),
            topic=topic,
            dead_letter_topic=dead_letter_topic,
            checkpoint_every=checkpoint_every,
            renew_producer=new_producer,
            offload_after=settings.connector_offload_after,
        )
    except BaseException:
        producer.close()
        raise


def connector_routes(folder: Path = MAPPINGS) -> list[ConnectorRoute]:
    """Which department's connector publishes where, from the mapping files (ACLs follow it)."""
    routes = []
    for path in sorted(folder.glob("*.yaml")):
        spec = MappingFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        routes.append(ConnectorRoute(spec.department, path.stem, spec.event_topic))
    return routes


def build_recorder(settings: HubSettings, prefix: str) -> Recorder:
    specs = catalogue()
    plan = access_plan(specs, connector_routes(), settings.app_id, prefix)
    sources = event_topics(specs, prefix)
    return Recorder(settings.bootstrap, settings.kafka_auth, load_registry(settings.schemas_path),
                    sources, {topic: writers_of(topic, plan) for topic in sources},
                    settings.provenance_key.get_secret_value().encode(),
                    prefix + PROVENANCE_TOPIC, f"{settings.app_id}-{prefix}provenance",
                    prefix)  # fmt: skip
