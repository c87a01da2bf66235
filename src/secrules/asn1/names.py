"""Names of enumerated values in GBCS ASN.1 payloads, as data (``data/asn1_names.toml``).

Each enumeration (RemotePartyRole, CredentialsReplacementMode, StatusCode, DeviceType...) is a
table of rows with a source and a provenance; a value not tabled keeps its number (the
reference parser leaves RemotePartyRole 8 and CredentialsReplacementMode 10/11 unnamed; we
name them from the RTDS folders they occur in, marked ``inferred``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import load_table

__all__ = ["Asn1Names", "NamedValue", "asn1_names", "load_asn1_names"]

_DEFAULT = "asn1_names.toml"


@attrs.frozen
class NamedValue:
    """One tabled value of an enumeration: number, name, source key, provenance."""

    value: int
    name: str
    source: str
    provenance: Provenance


@attrs.frozen
class Asn1Names:
    """The loaded table: enumeration name -> value -> :class:`NamedValue`."""

    file: str
    clause: ClauseRef
    enums: Mapping[str, Mapping[int, NamedValue]]
    sources: Mapping[str, str]

    def name(self, enum: str, value: int) -> str | None:
        """The name of ``value`` in enumeration ``enum``, or None when not tabled."""
        row = self.enums.get(enum, {}).get(value)
        return None if row is None else row.name


def load_asn1_names(path: str | os.PathLike[str] | None = None) -> Asn1Names:
    """Load the bundled names table, or the file ``path`` in the same schema.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on any schema error.
    """
    table = load_table(path, default=_DEFAULT)
    clause = table.stated_clause()
    sources = table.sources()
    enums: dict[str, Mapping[int, NamedValue]] = {}
    for enum_name, enum in table.table("enums").items():
        rows: dict[int, NamedValue] = {}
        for row in enum.tables("values"):
            value = row.integer("value")
            if value in rows:
                raise row.error(f"value {value} is listed twice", "value")
            source = row.choice("source", tuple(sources))
            rows[value] = NamedValue(value, row.text("name"), source, row.provenance())
        enums[enum_name] = MappingProxyType(rows)
    return Asn1Names(table.file, clause, MappingProxyType(enums), MappingProxyType(sources))


@functools.cache
def asn1_names() -> Asn1Names:
    """The bundled table (loaded once)."""
    return load_asn1_names()
