"""ZCL and ZigBee Smart Energy names, and the GBCS command layouts, from ``data/zcl.toml``.

Every row carries its public source and provenance (zigpy 2.4.0 for ZCL ids; the GBCS v4.0 GBZ
templates for Smart Energy attribute and command names; gbcs-parser for command layouts). A
name that is not in the table is rendered by number (``cluster 0x1234``): unknown ids are never
an error.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from secrules.core.clauses import Provenance
from secrules.core.data import TableReader, load_table
from secrules.zigbee.types import FIELD_TYPES, FieldType

__all__ = [
    "CLIENT_TO_SERVER",
    "SERVER_TO_CLIENT",
    "ZCL_TABLE",
    "CommandLayout",
    "Field",
    "Named",
    "ZclNames",
    "load_zcl_names",
    "zcl_names",
]

#: The bundled names table.
ZCL_TABLE: Final = "zcl.toml"
#: ZCL frame-control direction bit values (bit 3).
CLIENT_TO_SERVER: Final = 0
SERVER_TO_CLIENT: Final = 1
_DIRECTIONS: Final = {"client-to-server": CLIENT_TO_SERVER, "server-to-client": SERVER_TO_CLIENT}


@attrs.frozen
class Named:
    """One named id: its name, the source key and the provenance."""

    id: int
    name: str
    source: str
    provenance: Provenance


@attrs.frozen
class Field:
    """One field of a command layout: a name and a :class:`FieldType`."""

    name: str
    type: FieldType = attrs.field(eq=False)


@attrs.frozen
class CommandLayout:
    """A cluster-specific command: name and layout (fields, a repeated record, optional tail)."""

    cluster: int
    direction: int
    id: int
    name: str
    fields: tuple[Field, ...]
    repeat: tuple[Field, ...]
    optional: tuple[Field, ...]
    source: str
    provenance: Provenance


@attrs.frozen
class ZclNames:
    """The loaded table. Lookups return None for ids the table does not name."""

    clusters: Mapping[int, Named]
    general_commands: Mapping[int, Named]
    data_types: Mapping[int, tuple[Named, FieldType | None]]
    statuses: Mapping[int, Named]
    attributes: Mapping[tuple[int, int], Named]
    commands: Mapping[tuple[int, int, int], CommandLayout]
    alerts: Mapping[int, tuple[Named, str]]
    sources: Mapping[str, str]

    def cluster(self, cluster_id: int) -> str:
        """``Metering (0x0702)``, or ``cluster 0x1234``."""
        row = self.clusters.get(cluster_id)
        return f"{row.name} (0x{cluster_id:04X})" if row else f"cluster 0x{cluster_id:04X}"

    def attribute(self, cluster_id: int, attribute_id: int) -> str:
        """``Currency (0x0616)``, or ``attribute 0x1234``."""
        row = self.attributes.get((cluster_id, attribute_id))
        return f"{row.name} (0x{attribute_id:04X})" if row else f"attribute 0x{attribute_id:04X}"

    def status(self, status: int) -> str:
        """``SUCCESS (0x00)``, or ``status 0x42``."""
        row = self.statuses.get(status)
        return f"{row.name} (0x{status:02X})" if row else f"status 0x{status:02X}"

    def data_type(self, type_id: int) -> str:
        """``uint48 (0x25)``, or ``data type 0x77``."""
        row = self.data_types.get(type_id)
        return f"{row[0].name} (0x{type_id:02X})" if row else f"data type 0x{type_id:02X}"

    def command(
        self,
        cluster_id: int,
        cluster_specific: bool,  # noqa: FBT001
        direction: int,
        command: int,
    ) -> str:
        """``Start Sampling (0x07)``, ``Default Response (0x0B)``, or ``command 0x42``."""
        if cluster_specific:
            layout = self.commands.get((cluster_id, direction, command))
            name = layout.name if layout else None
        else:
            row = self.general_commands.get(command)
            name = row.name if row else None
        return f"{name} (0x{command:02X})" if name else f"command 0x{command:02X}"

    def alert(self, code: int) -> str:
        """``Future-date HAN Interface Command Successfully Actioned (0x8F66)``."""
        row = self.alerts.get(code)
        return f"{row[0].name} (0x{code:04X})" if row else f"alert 0x{code:04X}"


def _named(row: TableReader, sources: Mapping[str, str], key: str = "id") -> Named:
    return Named(
        row.integer(key), row.text("name"), row.choice("source", tuple(sources)), row.provenance()
    )


def _rows(table: TableReader, name: str) -> list[TableReader]:
    """The rows of an inline array of tables ``name = [ {...}, ... ]``."""
    return table.tables(name)


def _layout(row: TableReader, name: str) -> tuple[Field, ...]:
    if name not in row:
        return ()
    out = []
    for i, spec in enumerate(row.texts(name)):
        field, sep, type_name = spec.partition(":")
        ftype = FIELD_TYPES.get(type_name)
        if not sep or not field.isidentifier() or ftype is None or ftype.kind == "raw":
            raise row.error(f"{spec!r} is not 'name:type' with a known type", f"{name}[{i}]")
        out.append(Field(field, ftype))
    return tuple(out)


def load_zcl_names(path: str | os.PathLike[str] | None = None) -> ZclNames:
    """Load the names table (the bundled ``zcl.toml`` when ``path`` is None).

    Raises :class:`~secrules.errors.DataFileError` naming the file and key on any schema error.
    """
    table = load_table(path, default=ZCL_TABLE, what="ZCL names table")
    sources = table.sources()

    def by_id(name: str) -> dict[int, Named]:
        out: dict[int, Named] = {}
        for row in _rows(table, name):
            named = _named(row, sources)
            if named.id in out:
                raise row.error(f"id 0x{named.id:X} is listed twice")
            out[named.id] = named
        return out

    data_types: dict[int, tuple[Named, FieldType | None]] = {}
    for row in _rows(table, "data_types"):
        named = _named(row, sources)
        type_name = row.text("type")
        if type_name not in FIELD_TYPES:
            raise row.error(f"unknown type {type_name!r}", "type")
        ftype = FIELD_TYPES[type_name]
        data_types[named.id] = (named, None if ftype.kind == "raw" else ftype)
    attributes: dict[tuple[int, int], Named] = {}
    for row in _rows(table, "attributes"):
        attributes[(row.integer("cluster"), row.integer("id"))] = _named(row, sources)
    alerts: dict[int, tuple[Named, str]] = {}
    for row in _rows(table, "alerts"):
        layout = row.choice(
            "layout", ("future-dated", "firmware-receipt", "component", "other-info", "none")
        )
        alerts[row.integer("code")] = (_named(row, sources, "code"), layout)
    commands: dict[tuple[int, int, int], CommandLayout] = {}
    for row in _rows(table, "commands"):
        direction = _DIRECTIONS[row.choice("direction", tuple(_DIRECTIONS))]
        command = CommandLayout(
            cluster=row.integer("cluster"),
            direction=direction,
            id=row.integer("id"),
            name=row.text("name"),
            fields=_layout(row, "fields"),
            repeat=_layout(row, "repeat"),
            optional=_layout(row, "optional"),
            source=row.choice("source", tuple(sources)),
            provenance=row.provenance(),
        )
        key = (command.cluster, command.direction, command.id)
        if key in commands:
            raise row.error("command listed twice")
        commands[key] = command
    return ZclNames(
        clusters=MappingProxyType(by_id("clusters")),
        general_commands=MappingProxyType(by_id("general_commands")),
        data_types=MappingProxyType(data_types),
        statuses=MappingProxyType(by_id("statuses")),
        attributes=MappingProxyType(attributes),
        commands=MappingProxyType(commands),
        alerts=MappingProxyType(alerts),
        sources=MappingProxyType(sources),
    )


@functools.cache
def zcl_names() -> ZclNames:
    """The bundled names table (read once per process)."""
    return load_zcl_names()
