"""Resident ID numbers end here: the connector swaps each for a keyed pseudonym and keeps only
gender and age band. The key is the deployment's secret (INJURYHUB_PSEUDONYM_KEY); the same person
gets the same pseudonym in every department of one deployment, and a different one elsewhere."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date

from pydantic import SecretStr

from streams.contracts.identifiers import parse_resident_id

#: (lower bound inclusive, Avro AgeBand symbol), in ascending order.
_AGE_BANDS = (
    (0, "UNDER_18"),
    (18, "AGE_18_24"),
    (25, "AGE_25_34"),
    (35, "AGE_35_44"),
    (45, "AGE_45_54"),
    (55, "AGE_55_59"),
    (60, "AGE_60_PLUS"),
)


@dataclass(frozen=True)
class PersonFields:
    """What an event may carry about a person."""

    person_pseudonym: str
    gender: str
    age_band: str


def age_band(birth: date, on: date) -> str:
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return [symbol for lower, symbol in _AGE_BANDS if age >= lower][-1]


class Pseudonymiser:
    def __init__(self, key: SecretStr) -> None:
        secret = key.get_secret_value().encode("utf-8")
        if len(secret) < 16:
            raise ValueError(
                "the pseudonym key must have at least 16 bytes (INJURYHUB_PSEUDONYM_KEY)"
            )
        self._key = secret

    def __repr__(self) -> str:
        return "Pseudonymiser(key=**********)"

    def pseudonym(self, resident_id: str) -> str:
        normalised = resident_id.strip().upper()
        return hmac.new(self._key, normalised.encode("ascii"), hashlib.sha256).hexdigest()

    def person(self, resident_id: str, on: date) -> PersonFields:
        """Raises ValueError (never quoting the ID) if the ID is invalid."""
        parsed = parse_resident_id(resident_id.strip().upper())
        return PersonFields(
            person_pseudonym=self.pseudonym(resident_id),
            gender=parsed.gender,
            age_band=age_band(parsed.birth_date, on),
        )
