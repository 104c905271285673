"""What each event adds to the aggregates: its metrics, where (district, industry, enterprise) and
when (occurred time, so a late event updates its own window).

An event's *identity* decides what counts once: the event id, except where a record comes again
in a newer version (an injury recognition decided after it was filed): there the identity is the
record's own number, and the later version (later on its partition, as it is keyed by
enterprise) replaces the earlier one's contribution instead of adding to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: enterprise id -> (district, industry), from the enterprise registry
Place = tuple[str, str]
Lookup = Callable[[str], Place | None]

ACCIDENT_TYPES = (
    "emergency.accident-report",
    "housing.construction-accident",
    "transport.accident",
)
FUND_DISBURSEMENT = "finance.fund-disbursement"
#: GB 6441 中毒和窒息 (poisoning and asphyxiation)
POISONING = "19"
#: 《职业病分类和目录》 category 01: pneumoconiosis and other respiratory diseases
PNEUMOCONIOSIS = "01"


@dataclass(frozen=True)
class Contribution:
    identity: str  # what counts once; a later event of the same identity replaces it
    occurred: datetime
    district: str
    industry: str
    enterprise_id: str  # "" for events not about one enterprise (fund allocations)
    metrics: dict[str, float]


def _accident(event: dict[str, Any]) -> dict[str, float]:
    return {
        "accidents": 1,
        "deaths": event["deaths"],
        "serious_injuries": event["serious_injuries"],
        "victims": event["victims"],
        "larger_accidents": 0 if event["grade"] == "GENERAL" else 1,
        "direct_loss_wan_cny": event["direct_loss_wan_cny"],
    }


def _recognition(event: dict[str, Any]) -> dict[str, float]:
    decided = event["decision"] in ("RECOGNISED", "DEEMED")
    return {
        "injury_applications": 1,
        "recognised_injuries": 1 if decided else 0,
        "lost_workdays": (event.get("lost_workdays") or 0) if decided else 0,
    }


def _hazard(event: dict[str, Any]) -> dict[str, float]:
    rectified = event.get("rectified_on")
    return {
        "hazards_found": 1,
        "major_hazards": 1 if event["level"] == "MAJOR" else 0,
        "hazards_rectified": 1 if rectified is not None else 0,
        "hazards_rectified_on_time": 1
        if rectified is not None and rectified <= event["deadline"]
        else 0,
    }


def _inspection(event: dict[str, Any]) -> dict[str, float]:
    return {
        "inspections": 1,
        "inspection_hazards": event["hazards_general"] + event["hazards_major"],
        "inspection_major_hazards": event["hazards_major"],
    }


def _od(event: dict[str, Any]) -> dict[str, float]:
    return {
        "od_diagnoses": 1,
        "pneumoconiosis": 1 if event["category"] == PNEUMOCONIOSIS else 0,
    }


def _training(event: dict[str, Any]) -> dict[str, float]:
    return {"training_completions": 1, f"trained_{event['category'].lower()}": 1}


METRICS: dict[str, Callable[[dict[str, Any]], dict[str, float]]] = {
    **{event_type: _accident for event_type in ACCIDENT_TYPES},
    "hrss.injury-recognition": _recognition,
    "emergency.hazard-inspection": _hazard,
    "housing.site-inspection": _inspection,
    "transport.inspection": _inspection,
    "health.od-diagnosis": _od,
    "hrss.training-completion": _training,
    "union.training-participation": lambda event: {"union_training": 1},
    "union.worker-report": lambda event: {"worker_reports": 1},
    "emergency.enforcement": lambda event: {
        "enforcement_cases": 1,
        "fines_yuan": event["amount_fen"] / 100,
    },
    "health.injury-treatment": lambda event: {"treatments": 1},
    "hrss.benefit-payment": lambda event: {"benefits_paid_yuan": event["amount_fen"] / 100},
    "hrss.insured-headcount": lambda event: {"insured": event["insured_count"]},
}


def contributions(event: dict[str, Any], lookup: Lookup) -> list[Contribution]:
    """What ``event`` adds (nothing if its type feeds no aggregate here: the registry, fund
    allocations and the like have tables of their own in the thematic database). Raises
    LookupError for an enterprise the registry lacks.

    An accident report adds twice: the accident, under the identity every report of the same
    accident shares (enterprise, occurred minute, GB 6441 type: 应急 and 住建 both report a
    construction accident), so it is counted once; and the report itself, under its event id.
    """
    envelope = event["envelope"]
    event_type = envelope["event_type"]
    if event_type == FUND_DISBURSEMENT:
        return _disbursement(event, lookup)
    measure = METRICS.get(event_type)
    if measure is None:
        return []
    enterprise = event.get("enterprise_id") or ""
    place = lookup(enterprise) if enterprise else None
    district = event.get("district") or (place[0] if place else None)
    industry = event.get("industry") or (place[1] if place else None)
    if district is None or industry is None:
        raise LookupError(
            f"enterprise {enterprise} of event {envelope['event_id']} is not in the registry"
        )
    occurred = envelope["occurred_at"]

    def made(identity: str, metrics: dict[str, float]) -> Contribution:
        return Contribution(identity, occurred, district, industry, enterprise, metrics)

    if event_type in ACCIDENT_TYPES:
        return [
            made(accident_identity(event), measure(event)),
            made(envelope["event_id"], {"accident_reports": 1}),
        ]
    if event_type == "hrss.insured-headcount":  # a month's headcount reported again replaces it
        return [made(f"{event_type}/{enterprise}/{event['month']}", measure(event))]
    if event_type == "hrss.injury-recognition":
        return [made(f"{event_type}/{envelope['source_system']}/{event['application_no']}",
                     measure(event))]  # fmt: skip
    return [made(envelope["event_id"], measure(event))]


def _disbursement(event: dict[str, Any], lookup: Lookup) -> list[Contribution]:
    """A prevention-fund payment counts where its payee is an enterprise the registry knows;
    payments to others (training providers without a USCC) are in the thematic database's funds
    section only: there is no district × industry to put them in."""
    payee = event.get("payee_uscc") or ""
    place = lookup(payee) if payee else None
    if place is None:
        return []
    envelope = event["envelope"]
    metrics = {"fund_disbursed_yuan": event["amount_fen"] / 100}
    return [Contribution(envelope["event_id"], envelope["occurred_at"], place[0], place[1], payee,
                         metrics)]  # fmt: skip


def accident_identity(event: dict[str, Any]) -> str:
    """Shared by every report of one accident: enterprise, occurred minute (UTC), type."""
    minute = event["envelope"]["occurred_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    return f"accident/{event['enterprise_id']}/{minute}/{event['accident_type']}"
