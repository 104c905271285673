"""Every topic of the hub, declared in one place.

Names follow ``dept.<dept>.<event>.v<N>`` for what a department publishes, ``hub.<name>`` for
what the hub derives or keeps as reference, and ``hub.dlq.<dept>`` for each department's rejects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

#: The seven departments of the joint meeting (see DESIGN.md).
DEPARTMENTS: tuple[str, ...] = (
    "hrss",
    "finance",
    "housing",
    "transport",
    "health",
    "emergency",
    "union",
)

FOREVER = -1
#: 《政务数据共享条例》's classes: 无条件共享 (any department is granted it on request), 有条件共享
#: (the owner decides each request), 不予共享 (no department beyond its owner may ask for it)
SharingClass = Literal["unconditional", "conditional", "not_shared"]
_DEPT_TOPIC = re.compile(r"^dept\.(?P<dept>[a-z]+)\.(?P<event>[a-z][a-z0-9-]*)\.v(?P<version>\d+)$")
_HUB_TOPIC = re.compile(r"^hub\.[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$")


@dataclass(frozen=True)
class TopicSpec:
    name: str
    owner: str  # the department that writes it, or "hub"
    doc: str
    partitions: int = 6
    cleanup_policy: Literal["delete", "compact"] = "delete"
    # The hub is the departments' shared record and is replayed from the start, and events carry
    # their historic time: time-based retention would silently drop old years. Keep by default.
    retention_ms: int = FOREVER
    #: None: the deployment's replication factor (INJURYHUB_REPLICATION_FACTOR).
    replication: int | None = None
    extra_configs: dict[str, str] = field(default_factory=dict)
    #: The Avro event type its messages carry ("<owner>.<event>", see schemas/); None: not Avro.
    event_type: str | None = None
    #: Who may read it besides its owner and the hub's own agents (enforced by the sharing
    #: governance; listed here so the catalogue documents it).
    shared_with: tuple[str, ...] = ()
    #: its class in the sharing catalogue (streams/governance/catalogue.py)
    sharing: SharingClass = "unconditional"

    def __post_init__(self) -> None:
        if not (_DEPT_TOPIC.match(self.name) or _HUB_TOPIC.match(self.name)):
            raise ValueError(
                f"topic name {self.name!r} follows neither dept.<dept>.<event>.v<N> nor hub.<name>"
            )
        dept = _DEPT_TOPIC.match(self.name)
        if dept and dept["dept"] not in DEPARTMENTS:
            raise ValueError(f"topic {self.name!r} names unknown department {dept['dept']!r}")
        if dept and dept["dept"] != self.owner:
            raise ValueError(f"topic {self.name!r} must be owned by {dept['dept']!r}")
        if self.partitions < 1:
            raise ValueError(f"topic {self.name!r}: partitions must be >= 1")

    def configs(self) -> dict[str, str]:
        configs: dict[str, str] = {"cleanup.policy": self.cleanup_policy}
        if self.cleanup_policy == "delete":
            configs["retention.ms"] = str(self.retention_ms)
        return configs | self.extra_configs

    @property
    def readers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.owner, "hub", *self.shared_with)))

    def replication_for(self, default: int) -> int:
        return self.replication if self.replication is not None else default


def dept_topic(dept: str, event: str, version: int = 1) -> str:
    return f"dept.{dept}.{event}.v{version}"


def dlq_topic(dept: str) -> str:
    return f"hub.dlq.{dept}"


#: What each department publishes (event names; the Avro contracts come with the schemas).
DEPARTMENT_EVENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "hrss": (
        ("injury-recognition", "工伤认定申请与决定 work-injury recognition application/decision"),
        ("disability-appraisal", "劳动能力鉴定 disability appraisal, grades 1-10"),
        ("benefit-payment", "工伤保险待遇支付 benefit payment"),
        ("insured-headcount", "参保人数 monthly insured headcount per enterprise"),
        ("training-completion", "工伤预防培训 prevention-training completion"),
        ("prevention-project", "工伤预防项目 prevention project"),
    ),
    "finance": (
        ("fund-allocation", "工伤预防费 prevention-fund allocation"),
        ("fund-disbursement", "工伤预防费 prevention-fund disbursement"),
    ),
    "housing": (
        ("site-inspection", "建筑工地检查 construction-site inspection"),
        ("construction-accident", "建筑施工事故 construction accident"),
    ),
    "transport": (
        ("accident", "交通运输企业事故 transport-enterprise accident"),
        ("inspection", "交通运输企业检查 transport-enterprise inspection"),
    ),
    "health": (
        ("od-diagnosis", "职业病诊断 occupational-disease diagnosis"),
        ("hazard-measurement", "职业病危害因素检测 occupational-hazard measurement"),
        ("health-examination", "职业健康检查 occupational health examination"),
        ("injury-treatment", "工伤医疗 hospital work-injury treatment record"),
    ),
    "emergency": (
        ("accident-report", "生产安全事故报告 production-safety accident report"),
        ("hazard-inspection", "隐患排查治理 hidden-hazard inspection and rectification"),
        ("enforcement", "执法 enforcement action"),
    ),
    "union": (
        ("worker-report", "职工举报投诉 worker report/complaint"),
        ("training-participation", "培训参与 training participation"),
        ("model-unit-nomination", "模范单位推荐 model-unit nomination"),
    ),
}

#: Department events shared beyond their owner, and with whom. The joint meeting's point is that
#: accidents, recognitions, diagnoses and the insured headcount (every rate's denominator) reach
#: the departments that act on them; personal data is pseudonymised before any topic.
SHARING: dict[str, tuple[str, ...]] = {
    "hrss.injury-recognition": ("emergency", "health", "union"),
    "hrss.insured-headcount": DEPARTMENTS,
    "hrss.training-completion": ("emergency", "union", "finance"),
    "hrss.prevention-project": ("finance", "union"),
    "finance.fund-allocation": ("hrss",),
    "finance.fund-disbursement": ("hrss",),
    "housing.construction-accident": ("emergency", "hrss", "union"),
    "housing.site-inspection": ("emergency",),
    "transport.accident": ("emergency", "hrss", "union"),
    "transport.inspection": ("emergency",),
    "health.od-diagnosis": ("hrss", "emergency", "union"),
    "health.hazard-measurement": ("emergency", "hrss"),
    "emergency.accident-report": ("hrss", "housing", "transport", "health", "union"),
    "emergency.hazard-inspection": ("housing", "transport", "union"),
    "emergency.enforcement": ("housing", "transport"),
    "union.worker-report": ("emergency", "hrss"),
    "union.model-unit-nomination": ("hrss", "emergency"),
}

#: Each department event's sharing class (unconditional unless listed). Records about a person
#: (a pseudonym, gender, age band) are conditional: the owner weighs each request's purpose.
#: Medical records are not shared: the hub aggregates them, no other department reads them.
SHARING_CLASSES: dict[str, SharingClass] = {
    "hrss.injury-recognition": "conditional",
    "hrss.disability-appraisal": "conditional",
    "hrss.benefit-payment": "conditional",
    "hrss.training-completion": "conditional",
    "health.od-diagnosis": "conditional",
    "health.health-examination": "not_shared",
    "health.injury-treatment": "not_shared",
    "union.worker-report": "conditional",  # a complainant must not be exposed
    "union.training-participation": "conditional",
}

HUB_TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        "hub.enterprises",
        "hub",
        "企业名录 enterprise registry, latest record per USCC",
        cleanup_policy="compact",
        event_type="reference.enterprise",
        shared_with=DEPARTMENTS,
    ),
    TopicSpec(
        "hub.schemas",
        "hub",
        "Avro schemas keyed by CRC-64-AVRO fingerprint",
        partitions=1,
        cleanup_policy="compact",
        shared_with=DEPARTMENTS,
    ),
    TopicSpec(
        "hub.connector-checkpoints",
        "hub",
        "connectors' last committed source position and counts, per connector and source",
        partitions=1,
        cleanup_policy="compact",
        sharing="not_shared",
    ),
    TopicSpec(
        "hub.intake-counts",
        "hub",
        "events counted per key by the first end-to-end slice agent",
        cleanup_policy="compact",
        sharing="not_shared",
    ),
    TopicSpec(
        "hub.aggregates",
        "hub",
        "rolling aggregate snapshots",
        cleanup_policy="compact",
        event_type="hub.aggregate",
        shared_with=DEPARTMENTS,
    ),
    TopicSpec(
        "hub.alerts",
        "hub",
        "工伤事故风险预警 risk alerts",
        partitions=3,
        event_type="hub.alert",
        shared_with=DEPARTMENTS,
    ),
    TopicSpec(
        "hub.alert-actions",
        "hub",
        "预警处置 alert lifecycle steps people take (acknowledge, assign an expert, verify, …)",
        partitions=3,
        event_type="hub.alert-action",
        shared_with=DEPARTMENTS,
    ),
    TopicSpec(
        "hub.audit",
        "hub",
        "审计记录 who read or changed what through the dashboard and its API",
        partitions=1,
        event_type="hub.audit-entry",
        sharing="not_shared",
    ),
    TopicSpec(
        "hub.governance",
        "hub",
        "共享治理 sharing governance: access requests, grants, refusals, reminders, corrections",
        partitions=1,
        event_type="hub.governance-event",
        shared_with=DEPARTMENTS,
    ),
    TopicSpec(
        "hub.provenance",
        "hub",
        "溯源日志 provenance log: one hash-chained entry per published event, sealed with an HMAC",
        partitions=1,
        sharing="not_shared",
    ),
    TopicSpec(
        "hub.risk-changes",
        "hub",
        "企业风险等级变化 an enterprise's risk colour changed",
        partitions=3,
        event_type="hub.risk-change",
        shared_with=DEPARTMENTS,
    ),
    TopicSpec(
        "hub.dlq.hub",
        "hub",
        "the hub's own rejects: refused alert actions, notifications undeliverable after retries",
        partitions=1,
        event_type="hub.dead-letter",
        sharing="not_shared",
    ),
    TopicSpec(
        "hub.bulletins",
        "hub",
        "态势简报 situation bulletins",
        partitions=1,
        event_type="hub.bulletin",
        shared_with=DEPARTMENTS,
    ),
)


def catalogue() -> tuple[TopicSpec, ...]:
    """All topics of a deployment, department topics first."""
    dept_topics = tuple(
        TopicSpec(
            dept_topic(dept, event),
            dept,
            doc,
            event_type=f"{dept}.{event}",
            shared_with=SHARING.get(f"{dept}.{event}", ()),
            sharing=SHARING_CLASSES.get(f"{dept}.{event}", "unconditional"),
        )
        for dept, events in DEPARTMENT_EVENTS.items()
        for event, doc in events
    )
    dlq_topics = tuple(
        TopicSpec(
            dlq_topic(dept),
            "hub",
            f"rejected records of {dept}",
            partitions=3,
            event_type="hub.dead-letter",
            shared_with=(dept,),  # its own rejects, to correct at the source
            sharing="not_shared",
        )
        for dept in DEPARTMENTS
    )
    return dept_topics + HUB_TOPICS + dlq_topics


def find_topic(name: str) -> TopicSpec:
    for spec in catalogue():
        if spec.name == name:
            return spec
    raise KeyError(f"topic {name!r} is not in the catalogue (streams/topics/catalogue.py)")
