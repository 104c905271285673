from datetime import date

import pytest
from pydantic import SecretStr

from connectors.pseudonym import Pseudonymiser, age_band
from streams.contracts.registry import load_registry
from streams.contracts.wire import encode
from streams.settings import HubSettings
from tests.examples import example_record

CLEAR_ID = "11010519491231002X"
KEY = SecretStr("a-test-key-of-enough-length")


def test_same_person_same_pseudonym_and_only_gender_and_age_band_kept() -> None:
    pseudonymiser = Pseudonymiser(KEY)
    person = pseudonymiser.person(CLEAR_ID, on=date(2025, 3, 14))
    assert person == pseudonymiser.person(CLEAR_ID.lower(), on=date(2025, 3, 14))
    assert (person.gender, person.age_band) == ("F", "AGE_60_PLUS")
    assert len(person.person_pseudonym) == 64


def test_another_deployment_key_gives_another_pseudonym() -> None:
    ours = Pseudonymiser(KEY).pseudonym(CLEAR_ID)
    theirs = Pseudonymiser(SecretStr("another-deployment-key")).pseudonym(CLEAR_ID)
    assert ours != theirs


def test_key_and_id_never_show() -> None:
    pseudonymiser = Pseudonymiser(KEY)
    assert "a-test-key" not in repr(pseudonymiser)
    with pytest.raises(ValueError, match="check digit") as caught:
        pseudonymiser.person("110105194912310021", on=date(2025, 1, 1))
    assert "110105194912310021" not in str(caught.value)


def test_short_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        Pseudonymiser(SecretStr("short"))


@pytest.mark.parametrize(
    ("birth", "on", "band"),
    [
        (date(2008, 3, 15), date(2026, 3, 14), "UNDER_18"),
        (date(2008, 3, 14), date(2026, 3, 14), "AGE_18_24"),
        (date(1991, 1, 1), date(2025, 12, 31), "AGE_25_34"),
        (date(1966, 6, 1), date(2025, 6, 1), "AGE_55_59"),
        (date(1965, 6, 1), date(2025, 6, 1), "AGE_60_PLUS"),
    ],
)
def test_age_bands_at_the_event_date(birth: date, on: date, band: str) -> None:
    assert age_band(birth, on) == band


def test_no_clear_id_in_an_encoded_event() -> None:
    schema = load_registry(HubSettings().schemas_path).latest("hrss.injury-recognition")
    record = example_record(schema)
    person = Pseudonymiser(KEY).person(CLEAR_ID, on=date(2025, 3, 14))
    record.update(vars(person))
    data = encode(schema, record)
    for needle in (CLEAR_ID, CLEAR_ID[:17], CLEAR_ID.lower()):
        assert needle.encode() not in data
        assert needle.encode("utf-16-le") not in data
