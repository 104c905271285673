"""What an event adds to the aggregates, and cells that stay exact when events come again."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from agents.aggregation.cells import Cell, summed
from agents.aggregation.metrics import METRICS, Contribution, Place, contributions
from streams.contracts.registry import load_registry
from streams.settings import HubSettings
from tests.examples import OCCURRED, example_record

REGISTRY = load_registry(HubSettings().schemas_path)
REGISTERED: dict[str, Place] = {"91350100M000100Y43": ("370281", "C33")}


def contribution(event: dict[str, Any], lookup: Any) -> Contribution | None:
    """The one contribution of a non-accident event (None if it adds none)."""
    added = contributions(event, lookup)
    assert len(added) <= 1
    return added[0] if added else None


def _event(event_type: str, event_id: str = "e-1", **fields: Any) -> dict[str, Any]:
    event = example_record(REGISTRY.latest(event_type))
    event["envelope"]["event_id"] = event_id
    event["envelope"]["source_system"] = "test"
    event["enterprise_id"] = "91350100M000100Y43"
    event.update(fields)
    return event


def test_an_accident_report_adds_the_accident_and_itself() -> None:
    event = _event(
        "emergency.accident-report", deaths=2, serious_injuries=1, minor_injuries=0, victims=3,
        grade="GENERAL", direct_loss_wan_cny=30.0, district="370211", industry="C37",
        accident_type="09",
    )  # fmt: skip
    accident, report = contributions(event, REGISTERED.get)
    assert (accident.district, accident.industry, accident.occurred) == ("370211", "C37", OCCURRED)
    assert accident.identity == "accident/91350100M000100Y43/2025-03-14T01:30/09"
    assert accident.metrics == {
        "accidents": 1, "deaths": 2, "serious_injuries": 1, "victims": 3,
        "larger_accidents": 0, "direct_loss_wan_cny": 30.0,
    }  # fmt: skip
    assert (report.identity, report.metrics) == ("e-1", {"accident_reports": 1})


def test_one_accident_reported_by_two_departments_counts_once() -> None:
    common = {"deaths": 1, "serious_injuries": 0, "minor_injuries": 0, "victims": 1,
              "grade": "GENERAL", "direct_loss_wan_cny": 20.0, "accident_type": "09"}  # fmt: skip
    housing = _event("housing.construction-accident", "h-1", **common)
    emergency = _event("emergency.accident-report", "a-7", **common)
    cell = Cell()
    for event in (housing, emergency):
        for added in contributions(event, REGISTERED.get):
            cell.apply(added.identity, added.metrics)
    totals = cell.totals()
    assert (totals["accidents"], totals["deaths"], totals["accident_reports"]) == (1, 1, 2)


def test_an_event_without_a_place_takes_its_enterprises_from_the_registry() -> None:
    added = contribution(_event("hrss.benefit-payment", amount_fen=123_456), REGISTERED.get)
    assert added is not None
    assert (added.district, added.industry) == ("370281", "C33")
    assert added.metrics == {"benefits_paid_yuan": 1234.56}
    stranger = _event("hrss.benefit-payment", enterprise_id="91370200MA0000000X")
    with pytest.raises(LookupError, match="not in the registry"):
        contribution(stranger, REGISTERED.get)


def test_a_recognition_counts_once_across_its_versions() -> None:
    pending = _event("hrss.injury-recognition", "v1", application_no="GS-1", decision="PENDING",
                     legal_basis=None, decided_at=None, lost_workdays=None)  # fmt: skip
    decided = _event("hrss.injury-recognition", "v2", application_no="GS-1",
                     decision="RECOGNISED", lost_workdays=30)  # fmt: skip
    refused = _event("hrss.injury-recognition", "v3", application_no="GS-2",
                     decision="NOT_RECOGNISED", lost_workdays=12)  # fmt: skip
    first, second, other = (contribution(e, REGISTERED.get) for e in (pending, decided, refused))
    assert first is not None and second is not None and other is not None
    assert first.identity == second.identity != other.identity
    cell = Cell()
    for added in (first, second, other):
        cell.apply(added.identity, added.metrics)
    assert cell.totals() == {
        "injury_applications": 2, "recognised_injuries": 1, "lost_workdays": 30,
    }  # fmt: skip


def test_a_hazard_counts_as_rectified_on_time_only_by_its_deadline() -> None:
    on_time = _event("emergency.hazard-inspection", "h1", deadline=date(2025, 3, 10),
                     rectified_on=date(2025, 3, 10), level="MAJOR")  # fmt: skip
    late = _event("emergency.hazard-inspection", "h2", deadline=date(2025, 3, 10),
                  rectified_on=date(2025, 3, 11), level="GENERAL")  # fmt: skip
    open_ = _event("emergency.hazard-inspection", "h3", rectified_on=None)
    cell = Cell()
    for event in (on_time, late, open_):
        added = contribution(event, REGISTERED.get)
        assert added is not None
        cell.apply(added.identity, added.metrics)
    assert cell.totals() == {
        "hazards_found": 3, "major_hazards": 1, "hazards_rectified": 2,
        "hazards_rectified_on_time": 1,
    }  # fmt: skip


def test_a_months_headcount_reported_again_replaces_the_first() -> None:
    first = _event("hrss.insured-headcount", "h-1", month=date(2025, 3, 1), insured_count=120)
    again = _event("hrss.insured-headcount", "h-2", month=date(2025, 3, 1), insured_count=125)
    april = _event("hrss.insured-headcount", "h-3", month=date(2025, 4, 1), insured_count=130)
    added = [contribution(e, REGISTERED.get) for e in (first, again, april)]
    assert all(a is not None for a in added)
    cell = Cell()
    for one in added:
        assert one is not None
        cell.apply(one.identity, one.metrics)
    assert cell.totals() == {"insured": 255}  # March's corrected 125, April's 130


def test_a_fund_payment_counts_for_its_payee_when_the_registry_knows_it() -> None:
    paid = _event("finance.fund-disbursement", payee_uscc="91350100M000100Y43", amount_fen=1_500_00)
    added = contribution(paid, REGISTERED.get)
    assert added is not None
    assert (added.district, added.industry, added.enterprise_id) == (
        "370281",
        "C33",
        "91350100M000100Y43",
    )
    assert added.metrics == {"fund_disbursed_yuan": 1500.0}
    to_provider = _event("finance.fund-disbursement", payee_uscc=None, amount_fen=100)
    assert contribution(to_provider, REGISTERED.get) is None


def test_types_with_tables_of_their_own_add_nothing_here() -> None:
    assert contribution(_event("reference.enterprise"), REGISTERED.get) is None


def test_a_cell_is_unchanged_by_an_event_applied_again() -> None:
    cell = Cell()
    assert cell.apply("e-1", {"accidents": 1, "deaths": 1})
    assert not cell.apply("e-1", {"accidents": 1, "deaths": 1})  # redelivered after a crash
    assert cell.apply("e-2", {"accidents": 1, "deaths": 0})
    assert cell.totals() == {"accidents": 2, "deaths": 1}
    assert Cell.from_json(cell.to_json()).totals() == cell.totals()


def test_rolling_sums_count_an_identity_once() -> None:
    monday, tuesday = Cell(), Cell()
    monday.apply("a", {"accidents": 1})
    tuesday.apply("b", {"accidents": 1})
    tuesday.apply("a", {"accidents": 1})
    assert summed([monday, tuesday]) == {"accidents": 2}


@pytest.mark.parametrize("event_type", sorted(METRICS))
def test_every_aggregated_event_type_gives_numbers(event_type: str) -> None:
    added = contributions(_event(event_type), REGISTERED.get)
    assert added and all(c.metrics for c in added)
    assert all(isinstance(v, int | float) for c in added for v in c.metrics.values())
