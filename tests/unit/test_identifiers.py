from datetime import date

import pytest

from streams.contracts.identifiers import (
    parse_resident_id,
    resident_id_check_digit,
    resident_id_problem,
    uscc_check_char,
    uscc_problem,
)

# The example of GB 11643-1999 itself, and published USCCs (the GB 32100-2015 example and two
# well-known companies' registrations): outside truth, not numbers this code produced.
STANDARD_EXAMPLE_ID = "11010519491231002X"
PUBLISHED_USCCS = ("91350100M000100Y43", "914403001922038216", "9144030071526726XG")


def test_resident_id_standard_example_is_valid() -> None:
    assert resident_id_check_digit(STANDARD_EXAMPLE_ID[:17]) == "X"
    assert resident_id_problem(STANDARD_EXAMPLE_ID) is None
    parsed = parse_resident_id(STANDARD_EXAMPLE_ID)
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.gender == "F"  # 17th digit 2 is even


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("110105194912310021", "check digit does not match"),
        ("11010519491231002", "must have 18 characters, has 17"),
        ("1101051949123100AX", "must be 17 digits"),
        ("11010519491331002X", "not a valid birth date"),
    ],
)
def test_resident_id_problems_never_quote_the_id(value: str, problem: str) -> None:
    found = resident_id_problem(value)
    assert found is not None and problem in found
    assert value not in found and value[:6] not in found


def test_parse_refuses_an_invalid_id_without_quoting_it() -> None:
    with pytest.raises(ValueError, match="check digit") as caught:
        parse_resident_id("110105194912310021")
    assert "110105194912310021" not in str(caught.value)


@pytest.mark.parametrize("value", PUBLISHED_USCCS)
def test_published_usccs_are_valid(value: str) -> None:
    assert uscc_check_char(value[:17]) == value[17]
    assert uscc_problem(value) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("91350100M000100Y44", "check character is '4', GB 32100 gives '3'"),
        ("91370200MA3C1234", "must have 18 characters, has 16"),
        ("91370200MA3C1234I0", "contains 'I'"),
        ("91AB0200MA3C123450", "administrative division code"),
    ],
)
def test_uscc_problems(value: str, problem: str) -> None:
    found = uscc_problem(value)
    assert found is not None and problem in found
