from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from connectors.mapping import Mapped, MappingError, load_mapping
from connectors.pseudonym import Pseudonymiser
from connectors.sources.base import SourceRecord
from streams.contracts.codes import load_code_lists
from streams.contracts.identifiers import MASK, mask_resident_ids
from streams.contracts.registry import load_registry
from streams.settings import HubSettings

SETTINGS = HubSettings()
CODES = load_code_lists(SETTINGS.schemas_path, SETTINGS.districts_file)
REGISTRY = load_registry(SETTINGS.schemas_path)
MAPPINGS = Path(__file__).resolve().parents[2] / "connectors" / "mappings"
PSEUDONYMISER = Pseudonymiser(SecretStr("unit-test-key-0123456"))

ACCIDENT_ROW = {
    "事故编号": "SG-2025-0001",
    "事故发生时间": "2025-03-14 09:30",
    "报告时间": "2025-03-14 11:00",
    "统一社会信用代码": "91350100M000100Y43",
    "行政区划代码": "370211",
    "行业代码": "C3311",
    "事故类别": "高处坠落",
    "死亡人数": "0",
    "重伤人数": "1",
    "轻伤人数": "0",
    "受害人数": "1",
    "直接经济损失(万元)": "12.5",
    "事故等级": "一般事故",
    "事故简况": "脚手架坠落",
}


def _record(fields: dict[str, Any]) -> SourceRecord:
    return SourceRecord("accidents.csv", "accidents.csv:2", 2, fields, "raw")


def test_every_shipped_mapping_fits_its_schema() -> None:
    for path in MAPPINGS.glob("*.yaml"):
        mapping = load_mapping(path, CODES)
        mapping.check_against(REGISTRY.latest(mapping.spec.event_type))


def test_accident_row_maps_to_canonical_values() -> None:
    mapping = load_mapping(MAPPINGS / "emergency.accident-report.yaml", CODES)
    mapped = mapping.apply(_record(ACCIDENT_ROW), PSEUDONYMISER)
    assert isinstance(mapped, Mapped)
    assert mapped.natural_key == "SG-2025-0001"
    assert mapped.occurred_at.isoformat() == "2025-03-14T09:30:00+08:00"
    assert mapped.payload["accident_type"] == "09"  # 高处坠落, from the GB 6441 code list
    assert (mapped.payload["grade"], mapped.payload["serious_injuries"]) == ("GENERAL", 1)
    assert mapped.payload["direct_loss_wan_cny"] == 12.5


def test_problems_name_column_value_and_reason() -> None:
    mapping = load_mapping(MAPPINGS / "emergency.accident-report.yaml", CODES)
    row = ACCIDENT_ROW | {"事故类别": "摔倒", "死亡人数": "无", "报告时间": None}
    problems = mapping.apply(_record(row), PSEUDONYMISER)
    assert isinstance(problems, list)
    texts = [str(problem) for problem in problems]
    assert "报告时间=empty: is required" in texts
    assert "死亡人数='无': is not a whole number" in texts
    assert any(t.startswith("事故类别='摔倒': is not one of 01、02") for t in texts)


def test_the_resident_id_is_pseudonymised_and_never_quoted() -> None:
    mapping = load_mapping(MAPPINGS / "hrss.injury-recognition.yaml", CODES)
    row = {
        "申请编号": "GS-1",
        "受伤时间": "2025-03-14 09:30",
        "申请日期": "2025-03-20",
        "身份证号码": "11010519491231002X",
        "统一社会信用代码": "91350100M000100Y43",
        "认定结论": "待认定",
    }
    mapped = mapping.apply(_record(row), PSEUDONYMISER)
    assert isinstance(mapped, Mapped)
    assert "身份证号码" not in mapped.payload
    assert (mapped.payload["gender"], mapped.payload["age_band"]) == ("F", "AGE_60_PLUS")
    problems = mapping.apply(_record(row | {"身份证号码": "110105194912310021"}), PSEUDONYMISER)
    assert [str(p) for p in problems] == [  # type: ignore[union-attr]
        "身份证号码=[masked]: resident ID check digit does not match (GB 11643 ISO 7064 MOD 11-2)"
    ]


def test_a_mapping_missing_a_required_field_is_refused(tmp_path: Path) -> None:
    text = (MAPPINGS / "emergency.accident-report.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("  victims: {column: 受害人数, type: int}\n", ""), "utf-8")
    mapping = load_mapping(broken, CODES)
    with pytest.raises(MappingError, match=r"fields victims of emergency\.accident-report"):
        mapping.check_against(REGISTRY.latest("emergency.accident-report"))


def test_a_malformed_mapping_names_file_and_key(tmp_path: Path) -> None:
    broken = tmp_path / "typo.yaml"
    broken.write_text("department: hrss\nevent_typ: x\n", "utf-8")
    with pytest.raises(MappingError, match=r"typo\.yaml: .*event_type: Field required"):
        load_mapping(broken, CODES)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("SG-1,11010519491231002X,ok", f"SG-1,{MASK},ok"),
        ('{"身份证": "110105491231002"}', f'{{"身份证": "{MASK}"}}'),
        ("91350100M000100Y43", "91350100M000100Y43"),  # a USCC is not an ID
        ("amount 1234567890123456789", "amount 1234567890123456789"),  # 19 digits: not an ID
    ],
)
def test_dead_letters_mask_resident_ids(text: str, masked: str) -> None:
    assert mask_resident_ids(text) == masked


def test_a_versioned_record_gets_one_identity_per_version() -> None:
    """A recognition decided later comes again from its table: a new event, not a duplicate."""
    mapping = load_mapping(MAPPINGS / "hrss.injury-recognition.yaml", CODES)
    first = _record({"申请编号": "GS-1", "更新时间": "2025-03-01 09:00:00"})
    later = _record({"申请编号": "GS-1", "更新时间": "2025-04-10 15:00:00"})
    pushed = _record({"申请编号": "GS-1"})  # a push without the column: the number alone
    assert mapping.record_key(first) == "GS-1@2025-03-01 09:00:00"
    assert mapping.record_key(later) == "GS-1@2025-04-10 15:00:00"
    assert mapping.record_key(pushed) == "GS-1"
