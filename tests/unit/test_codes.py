import json
from pathlib import Path

import pytest

from streams.contracts.codes import CodeLists, load_code_lists
from streams.settings import HubSettings


@pytest.fixture(scope="module")
def codes() -> CodeLists:
    settings = HubSettings()
    return load_code_lists(settings.schemas_path, settings.districts_file)


def test_qingdao_has_ten_districts(codes: CodeLists) -> None:
    assert len(codes.districts.codes) == 10
    assert "370211" in codes.districts
    assert codes.districts.label("370202") == "市南区 Shinan District"
    assert "370200" not in codes.districts


def test_another_city_loads_its_own_districts(tmp_path: Path) -> None:
    city = tmp_path / "jinan.json"
    city.write_text(
        json.dumps({"codes": [{"code": "370102", "zh": "历下区", "en": "Lixia District"}]}),
        encoding="utf-8",
    )
    lists = load_code_lists(HubSettings().schemas_path, city)
    assert list(lists.districts.codes) == ["370102"]


def test_a_missing_district_file_is_named(tmp_path: Path) -> None:
    lists = load_code_lists(HubSettings().schemas_path, tmp_path / "nowhere.json")
    with pytest.raises(FileNotFoundError, match=r"nowhere\.json does not exist"):
        _ = lists.districts


def test_gb6441_has_twenty_accident_types(codes: CodeLists) -> None:
    assert len(codes.accident_types.codes) == 20
    assert codes.accident_types.codes["19"].zh == "中毒和窒息"


def test_occupational_disease_catalogue_has_ten_categories(codes: CodeLists) -> None:
    assert len(codes.od_categories.codes) == 10
    assert codes.od_categories.codes["01"].zh.startswith("职业性尘肺病")


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("C33", None),
        ("C3311", None),
        ("E48", None),
        ("C47", "belongs to section E"),
        ("Z01", "is not a GB/T 4754-2017 code"),
        ("C98", "does not define"),
        ("c33", "is not a GB/T 4754-2017 code"),
    ],
)
def test_industry_codes(codes: CodeLists, code: str, problem: str | None) -> None:
    found = codes.industries.problem(code)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("B06", "MINING"),
        ("C3120", "METALLURGY"),
        ("C30", "BUILDING-MATERIALS"),
        ("E50", "CONSTRUCTION"),
        ("G54", "TRANSPORT"),
        ("C3731", "MACHINERY"),
        ("C26", None),
        ("F51", None),
    ],
)
def test_six_key_industries(codes: CodeLists, code: str, key: str | None) -> None:
    found = codes.industries.key_industry(code)
    assert (found.code if found else None) == key


@pytest.mark.parametrize(
    ("deaths", "serious", "loss", "grade"),
    [
        (0, 0, 0, "GENERAL"),
        (2, 9, 999.9, "GENERAL"),
        (3, 0, 0, "LARGER"),
        (0, 10, 0, "LARGER"),
        (0, 0, 1000, "LARGER"),
        (1, 50, 0, "MAJOR"),
        (10, 0, 0, "MAJOR"),
        (30, 0, 0, "EXTRAORDINARY"),
        (0, 0, 10000, "EXTRAORDINARY"),
    ],
)
def test_accident_grade_is_the_highest_criterion_reached(
    codes: CodeLists, deaths: int, serious: int, loss: float, grade: str
) -> None:
    assert codes.accident_grade(deaths, serious, loss) == grade


def test_hazard_factors_carry_their_limits(codes: CodeLists) -> None:
    benzene = codes.hazard_factors["BENZENE"]
    twa = benzene.limit("PC-TWA")
    assert twa is not None and (twa.value, twa.unit) == (6.0, "mg/m3")
    assert benzene.limit("MAC") is None
    assert all(f.od_category in codes.od_categories for f in codes.hazard_factors.values())


def test_risk_levels_are_the_four_colours(codes: CodeLists) -> None:
    assert list(codes.risk_levels.codes) == ["RED", "ORANGE", "YELLOW", "BLUE"]
