"""GBCS Table 28d: the pre-installation default of the ESME maximum-demand configurable period.

Table 28d gives the default COSEM configuration of Schedule 0-0:12.0.0.255 (the object ECS37
writes) that a meter carries before installation. The bundled ``data/table_28d.toml`` is
Table 28d as it stood in GBCS v3.2 (after SECMP0018), with that version recorded; where its
values are not public a row says ``unknown`` (and whether it is known to conflict with the
ECS37 template), so a check says INDETERMINATE rather than guessing. A user who holds the real
table writes it in the same schema and loads it with :func:`load_table_28d`.

:func:`table_rules` checks a device's default configuration (a :class:`ScheduleSubject` with
``default_configuration=True``) row by row, as rules ``gbcs.table28d.<row>``; :func:`rules`
is that rule set on the bundled table (built once).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Literal

import attrs

from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import TableReader, TableSource, load_table
from secrules.core.findings import Outcome, Verdict
from secrules.core.rules import Rule, RuleSet
from secrules.core.sources import data_file
from secrules.dlms.cosem import CosemTime
from secrules.dlms.schedule import ScheduleEntry
from secrules.gbcs.ecs37 import (
    CONSTANT_FIELDS,
    LABELS,
    Ecs37Template,
    ScheduleSubject,
    entry_value,
    read_value,
    same_value,
    show,
    template,
)

__all__ = [
    "SWITCH_TIME_FIELDS",
    "TABLE_28D_FIELDS",
    "FieldDefault",
    "Table28d",
    "bundled_table_28d",
    "load_table_28d",
    "read_row",
    "rules",
    "table_rule",
    "table_rules",
]

#: The default switch times (the start and end entries' ``switch_time``).
SWITCH_TIME_FIELDS: tuple[str, ...] = ("start_time", "end_time")
#: Table 28d rows modelled: the template's constant fields and the two default switch times.
TABLE_28D_FIELDS: tuple[str, ...] = (*CONSTANT_FIELDS, *SWITCH_TIME_FIELDS)

_TABLE_FILE = "table_28d.toml"

_ROW_KEYS = ("value", "conflicts_with_template", "source", "provenance")

ValueKind = Literal["template", "unknown", "value"]


@attrs.frozen
class FieldDefault:
    """One Table 28d row.

    ``kind`` is ``"template"`` (equal to the ECS37 template), ``"unknown"`` or ``"value"``
    (``value`` holds it). ``conflicts_with_template`` marks an unknown value known to differ
    from the template.
    """

    field: str
    kind: ValueKind
    value: object
    conflicts_with_template: bool
    source: str
    provenance: Provenance

    def same_entry(self, other: FieldDefault) -> bool:
        """Whether ``other`` gives this row the same entry (kind, value, conflict flag)."""
        return (self.kind, self.value, self.conflicts_with_template) == (
            other.kind,
            other.value,
            other.conflicts_with_template,
        )


@attrs.frozen
class Table28d:
    """One edition of Table 28d (``data/table_28d.toml`` or a user's file in its schema)."""

    file: str
    document: str
    clause: str
    #: The GBCS version the table is taken from (``v3.2 (pre-MP131, after SECMP0018)``).
    version: str
    #: Where the rows come from, in words.
    origin: str
    provenance: Provenance
    description: str
    fields: Mapping[str, FieldDefault]
    #: The table file and its SHA-256 (None for a table built in code).
    source: TableSource | None = attrs.field(default=None, eq=False)

    def clause_for(self, field: str) -> ClauseRef:
        """The clause reference for one row of this table."""
        row = self.fields[field]
        return ClauseRef(
            self.document, f"{self.clause}, row {field}", self.version, row.provenance, row.source
        )

    def amended(
        self,
        rows: Mapping[str, FieldDefault],
        *,
        version: str,
        origin: str,
        provenance: Provenance,
        description: str,
    ) -> Table28d:
        """A new edition with ``rows`` in place of this table's rows (this one is unchanged)."""
        fields = {name: rows.get(name, row) for name, row in self.fields.items()}
        return attrs.evolve(
            self,
            version=version,
            origin=origin,
            provenance=provenance,
            description=description,
            fields=MappingProxyType(fields),
        )

    def rows_differing_from(self, other: Table28d) -> tuple[str, ...]:
        """The rows whose entry differs between this table and ``other``, in row order."""
        return tuple(
            name
            for name in TABLE_28D_FIELDS
            if not self.fields[name].same_entry(other.fields[name])
        )


def read_row(reader: TableReader, field: str) -> FieldDefault:
    """One Table 28d row from its table (``value``, ``source``, ``provenance``...).

    DataFileError naming the file and key for a value that does not parse for its field, a
    switch time given as ``"template"``, a conflict flag on a known value or a key rows do not
    have.
    """
    extra = sorted(set(reader.keys()) - set(_ROW_KEYS))
    if extra:
        raise reader.error(f"a Table 28d row has no key {extra[0]!r}", extra[0])
    raw = reader.raw("value")
    conflicts = reader.flag("conflicts_with_template", default=False)
    kind: ValueKind
    value: object = None
    if raw == "template":
        if field in SWITCH_TIME_FIELDS:
            raise reader.error("switch times have no template value", "value")
        kind = "template"
    elif raw == "unknown":
        kind = "unknown"
    else:
        kind, value = "value", read_value(reader, field)
    if conflicts and kind != "unknown":
        raise reader.error(
            "conflicts_with_template applies only to an unknown value", "conflicts_with_template"
        )
    return FieldDefault(
        field=field,
        kind=kind,
        value=value,
        conflicts_with_template=conflicts,
        source=reader.text("source"),
        provenance=reader.provenance(),
    )


def load_table_28d(path: str | os.PathLike[str] | None = None) -> Table28d:
    """Load ``data/table_28d.toml`` or a user's Table 28d in the same schema.

    Raises :class:`~secrules.errors.DataFileError` naming the file and the key
    (``fields.begin_date.value``) for a missing key or row, an unknown row, or a row that
    :func:`read_row` refuses.
    """
    table = load_table(path, default=_TABLE_FILE)
    fields_table = table.table("fields")
    unknown = sorted(set(fields_table.keys()) - set(TABLE_28D_FIELDS))
    if unknown:
        raise fields_table.error(f"unknown Table 28d row {unknown[0]!r}", unknown[0])
    fields = {name: read_row(fields_table.table(name), name) for name in TABLE_28D_FIELDS}
    return Table28d(
        file=table.file,
        document=table.text("document"),
        clause=table.text("clause"),
        version=table.text("version"),
        origin=table.text("source"),
        provenance=table.provenance(),
        description=table.text("description"),
        fields=MappingProxyType(fields),
        source=table.source,
    )


@functools.cache
def bundled_table_28d() -> Table28d:
    """The bundled Table 28d (read once)."""
    return load_table_28d(None)


# --- Table 28d rules. -------------------------------------------------------------------------


def _judge(tpl: Ecs37Template, table: Table28d, field: str, actual: object) -> tuple[Outcome, str]:
    row = table.fields[field]
    shown = show(field, actual)
    version = table.version
    if row.kind == "template":
        expected = tpl.value(field)
        if same_value(field, actual, expected):
            return Outcome.PASS, f"{shown} equals Table 28d ({version}: as the ECS37 template)"
        return Outcome.FAIL, (
            f"{shown}; Table 28d ({version}) is the ECS37 template value {show(field, expected)}"
        )
    if row.kind == "value":
        if same_value(field, actual, row.value):
            return Outcome.PASS, f"{shown} equals Table 28d ({version}, source: {row.source})"
        return Outcome.FAIL, (
            f"{shown}; Table 28d ({version}) says {show(field, row.value)} (source: {row.source})"
        )
    if row.conflicts_with_template:
        expected = tpl.value(field)
        if same_value(field, actual, expected):
            return Outcome.FAIL, (
                f"{shown} is the ECS37 template value, which Table 28d ({version}) "
                "contradicts; its own value is unknown"
            )
        return Outcome.INDETERMINATE, (
            f"{shown} differs from the template; Table 28d ({version}) also differs, but its "
            "value is unknown, so agreement cannot be decided"
        )
    if field in SWITCH_TIME_FIELDS and isinstance(actual, CosemTime):
        if actual.has_wildcards or actual.problems():
            return Outcome.FAIL, f"default {field} {shown} is not a time without wildcards"
        return Outcome.PASS, (
            f"default {field} {shown} has no wildcards (Table 28d value unknown: "
            "only that is checked)"
        )
    return Outcome.INDETERMINATE, f"{shown}; Table 28d ({version}) value unknown"


def table_rule(
    table: Table28d, field: str, tpl: Ecs37Template | None = None
) -> Rule[ScheduleSubject]:
    """The rule ``gbcs.table28d.<field>``: a default configuration against one row of ``table``.

    It applies only to a device's pre-installation default (``default_configuration``);
    anything else is NOT_APPLICABLE. Cites the Table 28d row and the ECS37 template.
    """
    tpl = tpl or template()
    row = table.fields[field]

    def check(subject: ScheduleSubject) -> Iterator[Verdict]:
        if not subject.default_configuration:
            yield Verdict(
                Outcome.NOT_APPLICABLE,
                f"Table 28d sets a device's pre-installation default; {subject.where} is not one",
                label=LABELS[Outcome.NOT_APPLICABLE],
            )
            return
        if field in SWITCH_TIME_FIELDS:
            selector = tpl.start_selector if field == "start_time" else tpl.end_selector
            found = subject.by_selector(selector)
            if found is None:
                yield Verdict(
                    Outcome.NOT_APPLICABLE,
                    f"no entry with script selector {selector} for the default {field}",
                    path="entries",
                    offset=subject.array_offset,
                    label=LABELS[Outcome.NOT_APPLICABLE],
                )
                return
            pairs: Sequence[tuple[int, ScheduleEntry]] = (found,)
            target = "switch_time"
        else:
            pairs = tuple(enumerate(subject.entries))
            target = field
        for i, entry in pairs:
            outcome, message = _judge(tpl, table, field, entry_value(entry, field))
            yield Verdict(
                outcome,
                f"{field}: {message}",
                path=subject.path_of(i, entry, target),
                offset=subject.offset_of(entry, target),
                label=LABELS[outcome],
            )

    what = {
        "template": "equal to the ECS37 template.",
        "value": f"value {show(field, row.value)}.",
        "unknown": (
            "value unknown; it conflicts with the ECS37 template."
            if row.conflicts_with_template
            else "value unknown."
        ),
    }[row.kind]
    return Rule(
        id=f"gbcs.table28d.{field}",
        title=f"Table 28d ({table.version}): default {field}",
        clauses=(table.clause_for(field), tpl.clause),
        fn=check,
        data_files=(data_file(table.source, _TABLE_FILE), tpl.file),
        text=f"{table.description} Row {field}: {what}",
    )


def table_rules(table: Table28d, tpl: Ecs37Template | None = None) -> RuleSet[ScheduleSubject]:
    """The Table 28d rules of ``table``, one per row, as a rule set named after its version."""
    return RuleSet.of(
        f"GBCS Table 28d ({table.version})", (table_rule(table, f, tpl) for f in TABLE_28D_FIELDS)
    )


@functools.cache
def rules() -> RuleSet[ScheduleSubject]:
    """The Table 28d rules of the bundled table (built once)."""
    return table_rules(bundled_table_28d())
