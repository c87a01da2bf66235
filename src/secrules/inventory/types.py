"""Device types, SMI statuses and the versioned ESMEVariant whitelist.

``DeviceType`` and ``DeviceStatus`` are the DUIS XML Schema V5.0-V5.4 enumerations (checked: the
same in every version). ``EsmeVariant`` validates against the per-era sets of
``data/esme_variants.toml``: ``2020`` (9 codes, inferred) and ``duis-5.x`` (25 codes, stated).
"""

from __future__ import annotations

import enum
import functools
import os
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

import attrs

from secrules.core.clauses import Provenance
from secrules.core.data import load_table
from secrules.core.enums import enum_member
from secrules.errors import InvalidValueError

__all__ = [
    "DeviceStatus",
    "DeviceType",
    "EsmeVariant",
    "MeteringElement",
    "VariantCatalogue",
    "VariantSet",
    "era_for_schema_version",
    "load_variant_catalogue",
    "normalise_eui",
    "variant_catalogue",
]

_EUI = re.compile(r"^[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7}$")


def normalise_eui(text: str) -> str:
    """An EUI-64 as ``HH-HH-HH-HH-HH-HH-HH-HH`` upper case; InvalidValueError otherwise.

    DUIS writes EUIs as 8 hex octets joined by ``-``, in either case (xs:token, so outer
    whitespace collapses).
    """
    token = text.strip() if isinstance(text, str) else ""
    if not _EUI.match(token):
        raise InvalidValueError(f"{text!r} is not an EUI-64 (8 hex octets joined by '-')")
    return token.upper()


class DeviceType(enum.Enum):
    """The eight DUIS device types (DUIS XML Schema V5.0-V5.4, checked)."""

    ESME = "ESME"
    GSME = "GSME"
    GPF = "GPF"
    CHF = "CHF"
    HCALCS = "HCALCS"
    PPMID = "PPMID"
    IHD = "IHD"
    CAD = "CAD"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str | DeviceType) -> DeviceType:
        """The device type named exactly (case-sensitive, as the XSD) by ``text``."""
        return enum_member(cls, text, "DeviceType")


class DeviceStatus(enum.Enum):
    """The nine SMI device statuses (DUIS XML Schema V5.0-V5.4, checked)."""

    PENDING = "Pending"
    WHITELISTED = "Whitelisted"
    INSTALLED_NOT_COMMISSIONED = "InstalledNotCommissioned"
    COMMISSIONED = "Commissioned"
    DECOMMISSIONED = "Decommissioned"
    WITHDRAWN = "Withdrawn"
    SUSPENDED = "Suspended"
    RECOVERY = "Recovery"
    RECOVERED = "Recovered"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str | DeviceStatus) -> DeviceStatus:
        """The status named exactly (case-sensitive, as the XSD) by ``text``."""
        return enum_member(cls, text, "DeviceStatus")


class MeteringElement(enum.Enum):
    """The first letter of an ESMEVariant (MRA MIF 145, stated)."""

    SINGLE = "A"
    TWIN = "B"
    POLYPHASE = "C"


@attrs.frozen
class VariantSet:
    """One era's whitelist of ESMEVariant codes, with where it comes from."""

    name: str
    codes: tuple[str, ...]
    source: str
    provenance: Provenance
    first_schema_version: Decimal | None = None


@attrs.frozen
class VariantCatalogue:
    """Every era's ESMEVariant set and the letter meanings, as read from one table."""

    sets: Mapping[str, VariantSet]
    letters: Mapping[str, tuple[str, Provenance]]
    default_era: str
    file: str

    def set(self, era: str) -> VariantSet:
        """The set named ``era``; InvalidValueError naming the known eras otherwise."""
        found = self.sets.get(era)
        if found is None:
            known = ", ".join(self.sets)
            raise InvalidValueError(f"unknown ESMEVariant era {era!r}; known eras: {known}")
        return found

    @property
    def all_codes(self) -> frozenset[str]:
        """The union of every era's codes."""
        return frozenset(code for s in self.sets.values() for code in s.codes)

    def era_for(self, schema_version: str | Decimal | None) -> str:
        """The era whose set a request of ``schema_version`` is checked against.

        The set with the highest ``first_schema_version`` not above the version; a version below
        all of them (or none / unparseable) gives the set without a first version, else the
        default era.
        """
        version = _decimal(schema_version)
        fallback = next(
            (s.name for s in self.sets.values() if s.first_schema_version is None),
            self.default_era,
        )
        if version is None:
            return fallback
        best: VariantSet | None = None
        for candidate in self.sets.values():
            first = candidate.first_schema_version
            if (
                first is not None
                and first <= version
                and (
                    best is None
                    or best.first_schema_version is None
                    or first > best.first_schema_version
                )
            ):
                best = candidate
        return fallback if best is None else best.name


def _decimal(value: str | Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    try:
        result = Decimal(value.strip())
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def load_variant_catalogue(source: str | os.PathLike[str] | None = None) -> VariantCatalogue:
    """Read ``esme_variants.toml`` (or a user's copy in the same schema)."""
    table = load_table(source, default="esme_variants.toml")
    sets: dict[str, VariantSet] = {}
    sets_table = table.table("sets")
    for name, row in sets_table.items():
        codes = tuple(row.texts("codes", allow_empty=False))
        if len(set(codes)) != len(codes):
            raise row.error("codes must be unique", "codes")
        for i, code in enumerate(codes):
            if not re.fullmatch(r"[ABC][D-G]*", code):
                raise row.error(f"{code!r} is not an ESMEVariant code", f"codes[{i}]")
        first = None
        if "first_schema_version" in row:
            first = _decimal(row.text("first_schema_version"))
            if first is None:
                raise row.error("not a decimal schema version", "first_schema_version")
        sets[name] = VariantSet(
            name=name,
            codes=codes,
            source=row.text("source"),
            provenance=row.provenance(),
            first_schema_version=first,
        )
    letters: dict[str, tuple[str, Provenance]] = {}
    for letter, row in table.table("letters").items():
        letters[letter] = (row.text("meaning"), row.provenance())
    default_era = table.text("default_era")
    if default_era not in sets:
        raise table.error(f"default era {default_era!r} is not a set", "default_era")
    return VariantCatalogue(
        sets=MappingProxyType(sets),
        letters=MappingProxyType(letters),
        default_era=default_era,
        file=table.file,
    )


@functools.cache
def variant_catalogue() -> VariantCatalogue:
    """The bundled ESMEVariant catalogue (read once)."""
    return load_variant_catalogue(None)


def era_for_schema_version(schema_version: str | Decimal | None) -> str:
    """The bundled era for a DUIS ``schemaVersion``: ``duis-5.x`` from 5.0, else ``2020``."""
    return variant_catalogue().era_for(schema_version)


def _check_code(_inst: object, _attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or value not in variant_catalogue().all_codes:
        raise InvalidValueError(
            f"{value!r} is not an ESMEVariant of any known era (case-sensitive)"
        )


@attrs.frozen(order=True)
class EsmeVariant:
    """An ESMEVariant code (``AD``, ``BDE``...) from the versioned whitelist.

    Construction accepts a code of any known era; :meth:`parse` checks one era's set. Codes are
    case-sensitive and round-trip exactly (``str(EsmeVariant.parse(c)) == c``).
    """

    code: str = attrs.field(validator=_check_code)

    @classmethod
    def parse(
        cls,
        text: str | EsmeVariant,
        *,
        era: str | None = None,
        catalogue: VariantCatalogue | None = None,
    ) -> EsmeVariant:
        """The variant ``text``, which must be in ``era``'s set (any known era when None)."""
        code = text.code if isinstance(text, EsmeVariant) else text
        cat = catalogue or variant_catalogue()
        allowed = cat.all_codes if era is None else frozenset(cat.set(era).codes)
        if not isinstance(code, str) or code not in allowed:
            where = "any known era" if era is None else f"era {era!r}"
            raise InvalidValueError(f"{code!r} is not an ESMEVariant of {where} (case-sensitive)")
        return cls(code)

    @classmethod
    def all(cls, era: str | None = None) -> tuple[EsmeVariant, ...]:
        """Every variant of ``era`` (the default era when None), in table order."""
        cat = variant_catalogue()
        return tuple(cls(code) for code in cat.set(era or cat.default_era).codes)

    def in_era(self, era: str) -> bool:
        """True if this code is in ``era``'s set."""
        return self.code in variant_catalogue().set(era).codes

    @property
    def element(self) -> MeteringElement:
        """A / B / C: single element, twin element or polyphase (stated, MIF 145)."""
        return MeteringElement(self.code[0])

    @property
    def alcs(self) -> bool:
        """D: with one or more Auxiliary Load Control Switches (stated)."""
        return "D" in self.code

    @property
    def boost(self) -> bool:
        """E: with Boost Function (stated)."""
        return "E" in self.code

    @property
    def apc(self) -> bool:
        """F: with APC (stated)."""
        return "F" in self.code

    @property
    def g_flag(self) -> bool:
        """G: present in the code; its meaning is unknown and not guessed."""
        return "G" in self.code

    def __str__(self) -> str:
        return self.code
