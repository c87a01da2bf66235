"""DP131 / MP131 "Default maximum demand configuration conflict" (raised 21 May 2020).

Problem (stated, SECCo MP131 page): SMETS, the GBCS use case, DUIS and the MMC let only the time
of day of the ESME maximum-demand configurable period be configured. The ECS37 COSEM template
(GBCS 18.2) fixes every day of the week (``exec_weekdays`` ``FE``), begin date ``000001FFFF``
and end date ``FFFFFFFFFF``, but GBCS v3.2 Table 28d (after SECMP0018) conflicts with it on the
week definition and date range. MP131 aligns Table 28d with the template (November 2020 SEC
Release).

Two rule families, both citing their clause:

* ``dp131.ecs37.*``: the ECS37 template, field by field, for any Schedule 0-0:12.0.0.255
  ``entries`` value (an ECS37 SET, an ECS18b read-back, bare Schedule data). The template did
  not change, so these rules are identical in both regimes: no byte-level impact.
* ``dp131.table28d.*``: a device's *pre-installation default configuration* against Table 28d
  (``data/table_28d.toml``). Baseline (pre-MP131): the week definition and date range conflict
  with the template, values unknown; proposed: aligned with the template. The proposed rule set
  is derived from the baseline by replacing the rules whose Table 28d row changed.

``MODEL`` evaluates a finite space of default configurations under both regimes
(:func:`secrules.impact`); :func:`rulesets` and :func:`schedule_subject` serve
:func:`secrules.payloads.check_payload`.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar, Literal, TypeVar

import attrs

from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import TableReader, TableSource, load_table
from secrules.core.findings import Finding, Outcome, Verdict
from secrules.core.proposals import (
    Assumption,
    ProposalModel,
    Scenario,
    derived_assumption,
    weakest,
)
from secrules.core.regimes import REGIMES, Regime, check_regime
from secrules.core.rules import Rule, RuleSet
from secrules.dlms.cosem import CosemDate, CosemTime, Obis
from secrules.dlms.data import BitString, Boolean
from secrules.dlms.schedule import FIELD_NAMES, ScheduleEntry
from secrules.errors import InvalidValueError

__all__ = [
    "CONSTANT_FIELDS",
    "LABELS",
    "MODEL",
    "TABLE_28D_FIELDS",
    "Dp131Model",
    "Ecs37Template",
    "FieldDefault",
    "ScheduleSubject",
    "Table28d",
    "bundled_table_28d",
    "load_table_28d",
    "load_template",
    "rulesets",
    "template",
]

#: The template fields that are constants (everything but index, selector and switch time).
CONSTANT_FIELDS: tuple[str, ...] = (
    "enable",
    "script_logical_name",
    "validity_window",
    "exec_weekdays",
    "exec_specdays",
    "begin_date",
    "end_date",
)
#: Table 28d rows modelled: the constant fields and the two default switch times.
TABLE_28D_FIELDS: tuple[str, ...] = (*CONSTANT_FIELDS, "start_time", "end_time")
#: The fields MP131 concerns: week definition and date range.
WEEK_AND_DATE_FIELDS: tuple[str, ...] = ("exec_weekdays", "begin_date", "end_date")

#: Readable verdict labels (impact reports compare these).
LABELS: Mapping[Outcome, str] = MappingProxyType(
    {
        Outcome.PASS: "conforms",
        Outcome.FAIL: "conflicts",
        Outcome.INDETERMINATE: "indeterminate",
        Outcome.NOT_APPLICABLE: "not applicable",
    }
)
ILLUSTRATIVE = "illustrative, not the real Table 28d"

_TEMPLATE_FILE = "ecs37_template.toml"
_TABLE_FILE = "table_28d.toml"


# --- Field values: parsing table text, comparing and showing entry fields. ------------------


def _bits_text(bits: BitString) -> str:
    return str(bits) or "(empty)"


def show(field: str, value: object) -> str:
    """Show a field value as reports print it (``1111111``, ``0000-01-**``, ``17:00:00.00``)."""
    if isinstance(value, BitString):
        return _bits_text(value)
    if isinstance(value, CosemDate):
        return f"{value.to_bytes().hex().upper()} ({value})"
    if isinstance(value, CosemTime):
        return f"{value.to_bytes().hex().upper()} ({value})"
    if field == "validity_window" and isinstance(value, int):
        return f"0x{value:04X}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def entry_value(entry: ScheduleEntry, field: str) -> object:
    """The comparable value of ``field`` in ``entry`` (enable as its truth value).

    ``start_time`` / ``end_time`` are the entry's ``switch_time`` (the caller picks the entry
    by ``script_selector``).
    """
    if field == "enable":
        return entry.enabled
    if field in ("start_time", "end_time"):
        return entry.switch_time
    return getattr(entry, field)


def _same(field: str, actual: object, expected: object) -> bool:
    if isinstance(actual, BitString) and isinstance(expected, BitString):
        return (actual.length_bits, actual.data) == (expected.length_bits, expected.data)
    if field == "enable":
        return bool(actual) == bool(expected)
    return actual == expected


_TIME_TEXT = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{2}))?)?$")
_BITS_TEXT = re.compile(r"^[01]*$")
_HEX_TEXT = re.compile(r"^[0-9A-Fa-f]*$")


def _parse_value(field: str, raw: object) -> object:
    """A concrete table value for ``field``; InvalidValueError naming what was expected."""
    if field == "enable":
        if not isinstance(raw, bool):
            raise InvalidValueError("enable must be true or false")
        return raw
    if field == "validity_window":
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 0xFFFF:
            raise InvalidValueError("validity_window must be an integer 0..65535")
        return raw
    if not isinstance(raw, str):
        raise InvalidValueError(f"{field} must be a string, found {type(raw).__name__}")
    text = raw.strip()
    if field == "script_logical_name":
        return Obis.parse(text)
    if field in ("exec_weekdays", "exec_specdays"):
        if not _BITS_TEXT.match(text):
            raise InvalidValueError(f"{field} must be a string of 0 and 1 (bit 0 first)")
        return BitString.from_bits(int(c) for c in text)
    if field in ("begin_date", "end_date"):
        if len(text) != 10 or not _HEX_TEXT.match(text):
            raise InvalidValueError(f"{field} must be 10 hex digits (5 octets)")
        return CosemDate.from_bytes(bytes.fromhex(text))
    if field in ("start_time", "end_time"):
        match = _TIME_TEXT.match(text)
        if match:
            hour, minute, second, hundredths = (int(g or 0) for g in match.groups())
            time = CosemTime(hour, minute, second, hundredths)
        elif len(text) == 8 and _HEX_TEXT.match(text):
            time = CosemTime.from_bytes(bytes.fromhex(text))
        else:
            raise InvalidValueError(f"{field} must be 8 hex digits or HH:MM[:SS[.hh]]")
        if time.problems():
            raise InvalidValueError(f"{field}: {time.problems()[0]}")
        return time
    raise InvalidValueError(f"no Table 28d field {field!r}")


def _read_value(reader: TableReader, field: str, key: str = "value") -> object:
    try:
        return _parse_value(field, reader.raw(key))
    except InvalidValueError as exc:
        raise reader.error(str(exc), key) from None


# --- The ECS37 template. -------------------------------------------------------------------


@attrs.frozen
class Ecs37Template:
    """The ECS37 COSEM template (``data/ecs37_template.toml``): constants and where they come from.

    ``constants`` maps each constant field to its value (``enable`` a bool, the script an
    :class:`Obis`, bit-strings as :class:`BitString`, dates as :class:`CosemDate`);
    ``mapping_rows`` and ``provenance`` are per field.
    """

    file: str
    clause: ClauseRef
    message_code: int
    class_id: int
    logical_name: Obis
    attribute: int
    entry_count: int
    start_selector: int
    end_selector: int
    constants: Mapping[str, object]
    mapping_rows: Mapping[str, int]
    provenance: Mapping[str, Provenance]
    notes: Mapping[str, str]

    def value(self, field: str) -> object:
        """The template constant for ``field``."""
        return self.constants[field]

    def entry(self, *, index: int, selector: int, switch_time: CosemTime) -> ScheduleEntry:
        """A schedule entry built from the template constants (enable octet ``FF``)."""
        c = self.constants
        return ScheduleEntry(
            index,
            Boolean.of(bool(c["enable"])),
            _as(Obis, c["script_logical_name"]),
            selector,
            switch_time,
            _as(int, c["validity_window"]),
            _as(BitString, c["exec_weekdays"]),
            _as(BitString, c["exec_specdays"]),
            _as(CosemDate, c["begin_date"]),
            _as(CosemDate, c["end_date"]),
        )


_T = TypeVar("_T")


def _as(kind: type[_T], value: object) -> _T:
    if not isinstance(value, kind):
        raise InvalidValueError(f"expected {kind.__name__}, found {type(value).__name__}")
    return value


def load_template(path: str | os.PathLike[str] | None = None) -> Ecs37Template:
    """Load ``data/ecs37_template.toml`` (or a file in its schema); DataFileError on errors."""
    table = load_table(path, default=_TEMPLATE_FILE)
    clause = table.clause()
    obj = table.table("object")
    rows = table.tables("field")
    names = [row.text("name") for row in rows]
    if tuple(names) != FIELD_NAMES:
        raise table.error(f"fields must be exactly {', '.join(FIELD_NAMES)} in order", "field")
    constants: dict[str, object] = {}
    mapping_rows: dict[str, int] = {}
    provenance: dict[str, Provenance] = {}
    notes: dict[str, str] = {}
    for name, row in zip(names, rows, strict=True):
        row.text("source")
        provenance[name] = row.provenance()
        mapping_rows[name] = row.integer("mapping_row")
        notes[name] = row.text("note", default="") if "note" in row else ""
        if row.flag("constant") != (name in CONSTANT_FIELDS):
            raise row.error(f"{name} must be constant = {name in CONSTANT_FIELDS}", "constant")
        if name in CONSTANT_FIELDS:
            constants[name] = _read_value(row, name)
    try:
        logical_name = Obis.parse(obj.text("logical_name"))
    except InvalidValueError as exc:
        raise obj.error(str(exc), "logical_name") from None
    obj.text("source")
    obj.provenance()
    return Ecs37Template(
        file=table.file,
        clause=clause,
        message_code=obj.integer("message_code"),
        class_id=obj.integer("class_id"),
        logical_name=logical_name,
        attribute=obj.integer("attribute"),
        entry_count=obj.integer("entry_count"),
        start_selector=obj.integer("start_selector"),
        end_selector=obj.integer("end_selector"),
        constants=MappingProxyType(constants),
        mapping_rows=MappingProxyType(mapping_rows),
        provenance=MappingProxyType(provenance),
        notes=MappingProxyType(notes),
    )


@functools.cache
def template() -> Ecs37Template:
    """The bundled ECS37 template (loaded once)."""
    return load_template(None)


# --- Table 28d. ----------------------------------------------------------------------------

ValueKind = Literal["template", "unknown", "value"]


@attrs.frozen
class FieldDefault:
    """One Table 28d row under one regime.

    ``kind`` is ``"template"`` (equal to the ECS37 template), ``"unknown"`` or ``"value"``
    (``value`` holds it). ``conflicts_with_template`` marks an unknown value known to differ
    from the template. ``example`` is an illustrative value for scenarios only.
    """

    field: str
    kind: ValueKind
    value: object
    conflicts_with_template: bool
    source: str
    provenance: Provenance
    example: object = None
    example_source: str = ""


@attrs.frozen
class RegimeDefaults:
    """Table 28d as one regime reads it."""

    regime: Regime
    version: str
    source: str
    provenance: Provenance
    description: str
    fields: Mapping[str, FieldDefault]

    def clause(self, document: str, clause: str, field: str) -> ClauseRef:
        """The clause reference for one row of this regime's table."""
        row = self.fields[field]
        return ClauseRef(
            document, f"{clause}, row {field}", self.version, row.provenance, note=row.source
        )


@attrs.frozen
class Table28d:
    """Table 28d under both regimes (``data/table_28d.toml`` or a user's file in its schema)."""

    file: str
    document: str
    clause: str
    regimes: Mapping[Regime, RegimeDefaults]
    #: The table file and its SHA-256 (None for a table built in code).
    source: TableSource | None = attrs.field(default=None, eq=False)

    def __getitem__(self, regime: Regime) -> RegimeDefaults:
        return self.regimes[regime]

    def changed_fields(self) -> tuple[str, ...]:
        """The rows whose entry differs between baseline and proposed."""
        base, prop = self.regimes["baseline"].fields, self.regimes["proposed"].fields
        return tuple(
            name
            for name in TABLE_28D_FIELDS
            if (base[name].kind, base[name].value, base[name].conflicts_with_template)
            != (prop[name].kind, prop[name].value, prop[name].conflicts_with_template)
        )


def _read_field(reader: TableReader, field: str) -> FieldDefault:
    raw = reader.raw("value")
    conflicts = reader.flag("conflicts_with_template", default=False)
    kind: ValueKind
    value: object = None
    if raw == "template":
        if field in ("start_time", "end_time"):
            raise reader.error("switch times have no template value", "value")
        kind = "template"
    elif raw == "unknown":
        kind = "unknown"
    else:
        kind, value = "value", _read_value(reader, field)
    if conflicts and kind != "unknown":
        raise reader.error(
            "conflicts_with_template applies only to an unknown value", "conflicts_with_template"
        )
    example: object = None
    example_source = ""
    if "example" in reader:
        ex = reader.table("example")
        example = _read_value(ex, field)
        if ex.flag("illustrative") is not True:
            raise ex.error("an example value must say illustrative = true", "illustrative")
        if ex.provenance() is not Provenance.ASSUMED:
            raise ex.error('an example value has provenance = "assumed"', "provenance")
        example_source = ex.text("source")
    return FieldDefault(
        field=field,
        kind=kind,
        value=value,
        conflicts_with_template=conflicts,
        source=reader.text("source"),
        provenance=reader.provenance(),
        example=example,
        example_source=example_source,
    )


def load_table_28d(path: str | os.PathLike[str] | None = None) -> Table28d:
    """Load ``data/table_28d.toml`` or a user's Table 28d in the same schema.

    Raises :class:`~secrules.errors.DataFileError` naming the file and the key
    (``baseline.fields.begin_date.value``) for a missing regime or row, a value that does not
    parse for its field, a conflict flag on a known value, or an example not marked
    ``illustrative = true`` / ``provenance = "assumed"``.
    """
    table = load_table(path, default=_TABLE_FILE)
    regimes: dict[Regime, RegimeDefaults] = {}
    for regime in REGIMES:
        section = table.table(regime)
        fields_table = section.table("fields")
        unknown = sorted(set(fields_table.keys()) - set(TABLE_28D_FIELDS))
        if unknown:
            raise fields_table.error(f"unknown Table 28d row {unknown[0]!r}", unknown[0])
        fields = {name: _read_field(fields_table.table(name), name) for name in TABLE_28D_FIELDS}
        regimes[regime] = RegimeDefaults(
            regime=regime,
            version=section.text("version"),
            source=section.text("source"),
            provenance=section.provenance(),
            description=section.text("description"),
            fields=MappingProxyType(fields),
        )
    return Table28d(
        file=table.file,
        document=table.text("document"),
        clause=table.text("clause"),
        regimes=MappingProxyType(regimes),
        source=table.source,
    )


@functools.cache
def bundled_table_28d() -> Table28d:
    """The bundled modelling Table 28d (read once)."""
    return load_table_28d(None)


# --- The subject rules see. ----------------------------------------------------------------


def _entry_tuple(entries: Iterable[ScheduleEntry]) -> tuple[ScheduleEntry, ...]:
    return tuple(entries)


@attrs.frozen
class ScheduleSubject:
    """The ``entries`` of Schedule 0-0:12.0.0.255 as rules see them.

    ``base_offset`` is added to each entry's field offsets so findings cite offsets into the
    caller's input; ``array_offset`` is the input offset of the ``entries`` array tag.
    ``default_configuration`` says the entries are a device's pre-installation default (the
    Table 28d rules apply only then); ``where`` says what carried them (``"ECS37 command"``).
    """

    entries: tuple[ScheduleEntry, ...] = attrs.field(converter=_entry_tuple)
    base_offset: int | None = 0
    array_offset: int | None = None
    default_configuration: bool = False
    where: str = "Schedule 0-0:12.0.0.255 entries"

    def offset_of(self, entry: ScheduleEntry, field: str) -> int | None:
        """The input offset of ``field`` in ``entry`` (None if not decoded from bytes)."""
        inner = entry.offset_of(field)
        if inner is None or self.base_offset is None:
            return None
        return self.base_offset + inner

    def path_of(self, index: int, entry: ScheduleEntry, field: str) -> str:
        """``entries[i].field`` (the entry's own path when it has one)."""
        return entry.path_of(field) if entry.path else f"entries[{index}].{field}"

    def by_selector(self, selector: int) -> tuple[int, ScheduleEntry] | None:
        """The first entry with ``script_selector == selector`` and its position."""
        for i, entry in enumerate(self.entries):
            if entry.script_selector == selector:
                return i, entry
        return None


# --- ECS37 template rules (regime-independent). ---------------------------------------------


def _labelled(outcome: Outcome, message: str, path: str | None, offset: int | None) -> Verdict:
    return Verdict(outcome, message, path=path, offset=offset, label=LABELS[outcome])


def _template_field_rule(tpl: Ecs37Template, field: str, text: str) -> Rule:
    expected = tpl.value(field)
    row = tpl.mapping_rows[field]

    def check(subject: ScheduleSubject) -> Iterator[Verdict]:
        for i, entry in enumerate(subject.entries):
            actual = entry_value(entry, field)
            path = subject.path_of(i, entry, field)
            offset = subject.offset_of(entry, field)
            shown = show(field, actual)
            if field == "enable":
                shown += f" (octet {entry.enable.raw:02X}; compared by truth value)"
            if _same(field, actual, expected):
                yield _labelled(Outcome.PASS, f"{field} {shown} matches the template", path, offset)
            else:
                yield _labelled(
                    Outcome.FAIL,
                    f"{field} is {shown}; the ECS37 template (mapping row {row}) fixes "
                    f"{show(field, expected)}",
                    path,
                    offset,
                )

    note = tpl.notes.get(field, "")
    clause = attrs.evolve(tpl.clause, provenance=tpl.provenance[field], note=f"row {row}. {note}")
    return Rule(
        id=f"dp131.ecs37.{field}",
        title=f"ECS37 template: {field} is {show(field, expected)}",
        clauses=(clause,),
        fn=check,
        text=text,
    )


def _entries_rule(tpl: Ecs37Template) -> Rule:
    selectors = (tpl.start_selector, tpl.end_selector)

    def check(subject: ScheduleSubject) -> Verdict:
        found = tuple(e.script_selector for e in subject.entries)
        where = subject.array_offset
        if len(found) != tpl.entry_count or sorted(found) != sorted(selectors):
            return _labelled(
                Outcome.FAIL,
                f"{subject.where}: {len(found)} entries with script selectors "
                f"{list(found)}; ECS37 writes exactly {tpl.entry_count}, selectors "
                f"{selectors[0]} (start) and {selectors[1]} (end)",
                "entries",
                where,
            )
        return _labelled(
            Outcome.PASS,
            f"{subject.where}: two entries, start (selector {selectors[0]}) and end "
            f"(selector {selectors[1]}); index values not constrained",
            "entries",
            where,
        )

    return Rule(
        id="dp131.ecs37.entries",
        title="ECS37 template: exactly two entries, script selectors 1 (start) and 2 (end)",
        clauses=(attrs.evolve(tpl.clause, note="object rows; SMETS 5.7.4.26 for the selectors"),),
        fn=check,
        text=(
            "ECS37 sets attribute 2 of Schedule 0-0:12.0.0.255 whole: an array of two "
            "schedule_table_entry structures, the start (script selector 1) and the end "
            "(script selector 2). The index is not constant (RTDS uses 0/1 and 1/2)."
        ),
    )


def _switch_time_rule(tpl: Ecs37Template) -> Rule:
    row = tpl.mapping_rows["switch_time"]

    def check(subject: ScheduleSubject) -> Iterator[Verdict]:
        for i, entry in enumerate(subject.entries):
            time = entry.switch_time
            path = subject.path_of(i, entry, "switch_time")
            offset = subject.offset_of(entry, "switch_time")
            problems = time.problems()
            if time.has_wildcards:
                yield _labelled(
                    Outcome.FAIL,
                    f"switch_time {show('switch_time', time)} has a wildcard (FF); "
                    f"ECS37 (mapping row {row}) requires a time with no wildcards",
                    path,
                    offset,
                )
            elif problems:
                yield _labelled(
                    Outcome.FAIL, f"switch_time is not a valid time: {problems[0]}", path, offset
                )
            else:
                yield _labelled(
                    Outcome.PASS,
                    f"switch_time {time} is a time with no wildcards",
                    path,
                    offset,
                )

    clause = attrs.evolve(tpl.clause, provenance=tpl.provenance["switch_time"], note=f"row {row}")
    return Rule(
        id="dp131.ecs37.switch_time",
        title="ECS37 template: switch times are times with no wildcards",
        clauses=(clause,),
        fn=check,
        text=(
            "The switch time of each entry is set per command (DUIS StartTime/EndTime) and is "
            "a time with no wildcards. Start before end is not required: an overnight period "
            "may be legitimate."
        ),
    )


_TEMPLATE_TEXT: Mapping[str, str] = MappingProxyType(
    {
        "enable": (
            "Each entry is enabled. The template writes boolean 0x01; RTDS sends FF. A boolean is "
            "true for any non-zero octet, so the truth value is compared, not the octet."
        ),
        "script_logical_name": (
            "Each entry runs the script table 0-0:10.128.100.255 (octets 00 00 0A 80 64 FF)."
        ),
        "validity_window": "Each entry's validity window is 0xFFFF.",
        "exec_weekdays": (
            "Each entry executes on every day of the week: bit-string of 7 bits, all set "
            "(bit 0 = Monday), padding in the least significant bit: octet FE."
        ),
        "exec_specdays": "Each entry has no special days: an empty bit-string.",
        "begin_date": "Each entry begins at date 000001FFFF (year 0, January, any day).",
        "end_date": "Each entry ends at date FFFFFFFFFF (not specified: no end).",
    }
)


def template_rules(tpl: Ecs37Template | None = None) -> tuple[Rule, ...]:
    """The ECS37 template rules (``dp131.ecs37.*``), the same under both regimes."""
    tpl = tpl or template()
    return (
        _entries_rule(tpl),
        *(_template_field_rule(tpl, f, _TEMPLATE_TEXT[f]) for f in CONSTANT_FIELDS[:2]),
        _switch_time_rule(tpl),
        *(_template_field_rule(tpl, f, _TEMPLATE_TEXT[f]) for f in CONSTANT_FIELDS[2:]),
    )


# --- Table 28d rules (regime-dependent). -----------------------------------------------------


def _table_rule(tpl: Ecs37Template, table: Table28d, regime: Regime, field: str) -> Rule:
    defaults = table[regime]
    row = defaults.fields[field]
    clause = defaults.clause(table.document, table.clause, field)

    def judge(actual: object) -> tuple[Outcome, str]:
        shown = show(field, actual)
        if row.kind == "template":
            expected = tpl.value(field)
            if _same(field, actual, expected):
                return Outcome.PASS, f"{shown} equals Table 28d ({regime}: as the ECS37 template)"
            return Outcome.FAIL, (
                f"{shown}; Table 28d ({regime}) is the ECS37 template value {show(field, expected)}"
            )
        if row.kind == "value":
            if _same(field, actual, row.value):
                return Outcome.PASS, f"{shown} equals Table 28d ({regime}, source: {row.source})"
            return Outcome.FAIL, (
                f"{shown}; Table 28d ({regime}) says {show(field, row.value)} "
                f"(source: {row.source})"
            )
        if row.conflicts_with_template:
            expected = tpl.value(field)
            if _same(field, actual, expected):
                return Outcome.FAIL, (
                    f"{shown} is the ECS37 template value, which {regime} Table 28d "
                    f"({defaults.version}) contradicts; its own value is unknown"
                )
            return Outcome.INDETERMINATE, (
                f"{shown} differs from the template; {regime} Table 28d ({defaults.version}) "
                "also differs, but its value is unknown, so agreement cannot be decided"
            )
        if field in ("start_time", "end_time") and isinstance(actual, CosemTime):
            if actual.has_wildcards or actual.problems():
                return Outcome.FAIL, f"default {field} {shown} is not a time without wildcards"
            return Outcome.PASS, (
                f"default {field} {shown} has no wildcards (Table 28d value unknown: "
                "only that is checked)"
            )
        return Outcome.INDETERMINATE, f"{shown}; Table 28d ({regime}) value unknown"

    def check(subject: ScheduleSubject) -> Iterator[Verdict]:
        if not subject.default_configuration:
            yield Verdict(
                Outcome.NOT_APPLICABLE,
                f"Table 28d sets a device's pre-installation default; {subject.where} is not one",
                label=LABELS[Outcome.NOT_APPLICABLE],
            )
            return
        if field in ("start_time", "end_time"):
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
            outcome, message = judge(entry_value(entry, field))
            yield _labelled(
                outcome,
                f"{field}: {message}",
                subject.path_of(i, entry, target),
                subject.offset_of(entry, target),
            )

    return Rule(
        id=f"dp131.table28d.{field}",
        title=f"Table 28d ({regime}): default {field}",
        clauses=(clause, tpl.clause),
        fn=check,
        text=(
            f"{defaults.description} Row {field}: "
            + {
                "template": "equal to the ECS37 template.",
                "value": f"value {show(field, row.value)}.",
                "unknown": (
                    "value unknown; it conflicts with the ECS37 template."
                    if row.conflicts_with_template
                    else "value unknown."
                ),
            }[row.kind]
        ),
    )


def _build_rulesets(tpl: Ecs37Template, table: Table28d) -> Mapping[Regime, RuleSet]:
    baseline = RuleSet.of(
        "DP131 baseline (pre-MP131 Table 28d)",
        (*template_rules(tpl), *(_table_rule(tpl, table, "baseline", f) for f in TABLE_28D_FIELDS)),
    )
    proposed = baseline.derive(
        "DP131 proposed (post-MP131 Table 28d)",
        replace=[_table_rule(tpl, table, "proposed", f) for f in table.changed_fields()],
    )
    return MappingProxyType({"baseline": baseline, "proposed": proposed})


@functools.cache
def _bundled_rulesets() -> Mapping[Regime, RuleSet]:
    return _build_rulesets(template(), bundled_table_28d())


def rulesets(
    table_28d: str | os.PathLike[str] | Table28d | None = None,
) -> Mapping[Regime, RuleSet]:
    """The baseline rule set and the proposed set derived from it.

    ``table_28d`` is a user's Table 28d: the path of a file (same schema as
    ``data/table_28d.toml``, read here, once per call) or a :class:`Table28d` already loaded
    with :func:`load_table_28d` (not read again). By default the bundled modelling table is
    used (read once per process).
    """
    if table_28d is None:
        return _bundled_rulesets()
    if isinstance(table_28d, Table28d):
        return _build_rulesets(template(), table_28d)
    return _build_rulesets(template(), load_table_28d(table_28d))


# --- The proposal model. -------------------------------------------------------------------

#: Rows whose illustrative example values span the scenario space.
_SCENARIO_FIELDS = (
    "exec_weekdays",
    "begin_date",
    "end_date",
    "validity_window",
    "start_time",
    "end_time",
)
_SEVERITY = (Outcome.FAIL, Outcome.INDETERMINATE, Outcome.PASS, Outcome.NOT_APPLICABLE)


def worst(findings: Sequence[Finding]) -> Outcome:
    """The most severe outcome among ``findings`` (FAIL, INDETERMINATE, PASS, N/A)."""
    outcomes = {f.outcome for f in findings}
    return next((o for o in _SEVERITY if o in outcomes), Outcome.NOT_APPLICABLE)


def _label(table: Table28d) -> str:
    """``bundled table_28d.toml`` or the user's path."""
    return table.file if table.source is None else table.source.label


def _weakest(items: Sequence[FieldDefault]) -> Provenance:
    return weakest(r.provenance for r in items)


def _wildcard_hour(time: CosemTime) -> CosemTime:
    return CosemTime(0xFF, time.minute, time.second, time.hundredths)


class Dp131Model(ProposalModel):
    """A device's default MD configurable period against Table 28d, before and after MP131."""

    summary: ClassVar[str] = (
        "ESME default maximum-demand configurable period (Schedule 0-0:12.0.0.255) against "
        "GBCS Table 28d and the ECS37 template, before and after MP131"
    )
    scope: ClassVar[str] = (
        "Default configurations whose verdict turns on the week definition and date range "
        "(exec_weekdays, begin_date, end_date: the Table 28d rows MP131 aligns with the ECS37 "
        "template), i.e. the validity window and switch times conform"
    )
    regimes: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "baseline": (
                "Pre-MP131 Table 28d (GBCS v3.2): week definition and date range conflict with "
                "the ECS37 template; their values are unknown (modelled, not read)."
            ),
            "proposed": (
                "Post-MP131 Table 28d: aligned with the ECS37 template (every day, from 000001FFFF"
                ", no end); default switch times unknown, checked for having no wildcards."
            ),
        }
    )

    table_name: ClassVar[str] = "table_28d.toml"

    def __init__(self, table_28d: str | os.PathLike[str] | Table28d | None = None) -> None:
        self._table_arg = table_28d

    def with_table(self, path: str | os.PathLike[str]) -> Dp131Model:
        """The model on the user's own Table 28d (same schema as ``table_28d.toml``).

        The file is read once, here: a broken table fails naming file and key, and the rules,
        scenarios and assumptions all come from that one reading.
        """
        return Dp131Model(load_table_28d(path))

    @functools.cached_property
    def table(self) -> Table28d:
        """The Table 28d this model evaluates against (read at most once per model)."""
        arg = self._table_arg
        if arg is None:
            return bundled_table_28d()
        if isinstance(arg, Table28d):
            return arg
        return load_table_28d(arg)

    @property
    def table_source(self) -> TableSource | None:
        """The Table 28d in use (bundled or the user's) and its SHA-256."""
        return self.table.source

    @functools.cached_property
    def _rulesets(self) -> Mapping[Regime, RuleSet]:
        if self.table is bundled_table_28d():
            return _bundled_rulesets()
        return _build_rulesets(template(), self.table)

    def _label(self) -> str:
        return _label(self.table)

    def _examples(self) -> dict[str, tuple[object, str, Provenance]]:
        # Scenario values: the table's concrete values or illustrative examples, else the
        # bundled table's examples (a user's real Table 28d need not carry any).
        tables = [self.table]
        if self.table is not bundled_table_28d():
            tables.append(bundled_table_28d())
        out: dict[str, tuple[object, str, Provenance]] = {}
        for name in _SCENARIO_FIELDS:
            for table in tables:
                for regime in REGIMES:
                    row = table[regime].fields[name]
                    candidates = (
                        (
                            row.value if row.kind == "value" else None,
                            f"{regime} value of {_label(table)}",
                            row.provenance,
                        ),
                        (row.example, ILLUSTRATIVE, Provenance.ASSUMED),
                    )
                    for candidate, note, provenance in candidates:
                        if candidate is not None and name not in out:
                            out[name] = (candidate, note, provenance)
            if name not in out:
                raise InvalidValueError(
                    f"{self._label()}: Table 28d row {name} needs an illustrative example "
                    "value for the DP131 scenario space"
                )
        return out

    def _scenario_values_assumption(self) -> Assumption:
        """A131-6: where each non-template scenario value comes from (read off the tables)."""
        examples = self._examples()
        parts = [
            f"{name} {show(name, value)} ({note})" for name, (value, note, _) in examples.items()
        ]
        order = (Provenance.ASSUMED, Provenance.INFERRED, Provenance.STATED)
        provenance = min((p for _, _, p in examples.values()), key=order.index)
        return Assumption(
            "A131-6",
            "Scenario values other than the template: " + "; ".join(parts) + ".",
            provenance,
            self._label(),
        )

    def _variants(self) -> dict[str, list[tuple[str, Any]]]:
        tpl = template()
        ex = self._examples()
        begin, end = _as(CosemDate, ex["begin_date"][0]), _as(CosemDate, ex["end_date"][0])
        start_t, end_t = _as(CosemTime, ex["start_time"][0]), _as(CosemTime, ex["end_time"][0])
        weekdays = _as(BitString, ex["exec_weekdays"][0])
        window = _as(int, ex["validity_window"][0])
        return {
            "enable_octet": [("01 (template)", 0x01), ("FF (as RTDS sends)", 0xFF)],
            "exec_weekdays": [
                (f"template {show('exec_weekdays', tpl.value('exec_weekdays'))}", None),
                (f"{show('exec_weekdays', weekdays)} ({ex['exec_weekdays'][1]})", weekdays),
            ],
            "date_range": [
                ("template 000001FFFF..FFFFFFFFFF", None),
                (f"{begin}..{end} ({ex['begin_date'][1]})", (begin, end)),
            ],
            "validity_window": [
                ("template 0xFFFF", None),
                (f"{show('validity_window', window)} ({ex['validity_window'][1]})", window),
            ],
            "switch_times": [
                (f"{start_t}/{end_t} ({ex['start_time'][1]})", (start_t, end_t)),
                (
                    f"{_wildcard_hour(start_t)}/{end_t} (wildcard hour)",
                    (_wildcard_hour(start_t), end_t),
                ),
            ],
        }

    def scenarios(self) -> Iterator[Scenario]:
        """Every default configuration: enable octet x week x dates x window x switch times."""
        tpl = template()
        variants = self._variants()
        names = list(variants)
        for combo in itertools.product(*(variants[n] for n in names)):
            params = {name: label for name, (label, _) in zip(names, combo, strict=True)}
            chosen = {name: value for name, (_, value) in zip(names, combo, strict=True)}
            start_t, end_t = chosen["switch_times"]
            entries = []
            for index, (selector, time) in enumerate(
                ((tpl.start_selector, start_t), (tpl.end_selector, end_t))
            ):
                entry = tpl.entry(index=index, selector=selector, switch_time=time)
                changes: dict[str, Any] = {"enable": Boolean(chosen["enable_octet"])}
                if chosen["exec_weekdays"] is not None:
                    changes["exec_weekdays"] = chosen["exec_weekdays"]
                if chosen["date_range"] is not None:
                    changes["begin_date"], changes["end_date"] = chosen["date_range"]
                if chosen["validity_window"] is not None:
                    changes["validity_window"] = chosen["validity_window"]
                entries.append(attrs.evolve(entry, **changes))
            subject = ScheduleSubject(
                tuple(entries),
                base_offset=None,
                default_configuration=True,
                where="default configuration",
            )
            yield Scenario(params, subject=subject)

    def evaluate(self, scenario: Scenario, regime: Regime) -> Finding:
        """The Table 28d verdict on one default configuration (worst of its rows)."""
        regime = check_regime(regime)
        subject = scenario.subject
        if not isinstance(subject, ScheduleSubject):
            raise InvalidValueError("a DP131 scenario carries a ScheduleSubject")
        ruleset = self._rulesets[regime]
        findings = [
            f
            for rule in ruleset
            if rule.id.startswith("dp131.table28d.")
            for f in rule.evaluate(subject)
        ]
        outcome = worst(findings)
        deciding = [f for f in findings if f.outcome is outcome]
        fields = sorted({(f.path or "").split(".")[-1] for f in deciding if f.path})
        message = f"{LABELS[outcome]} under {regime} Table 28d"
        if outcome is not Outcome.PASS and deciding:
            message += ": " + "; ".join(dict.fromkeys(f.message for f in deciding))
        elif fields:
            message += f" ({len(findings)} row checks)"
        clauses = tuple(dict.fromkeys(c for f in deciding for c in f.clauses))
        return Finding(
            rule_id="dp131.table28d",
            outcome=outcome,
            message=message,
            clauses=clauses or (template().clause,),
            path=deciding[0].path if deciding and outcome is not Outcome.PASS else None,
            label=LABELS[outcome],
        )

    def in_scope(self, scenario: Scenario) -> bool:
        """True when validity window and switch times conform, so weeks and dates decide."""
        return scenario["validity_window"].startswith("template") and "wildcard" not in str(
            scenario["switch_times"]
        )

    def _table_assumptions(self) -> list[Assumption]:
        table = self.table
        base = table["baseline"]
        source = table.source
        label = self._label()

        def rows(regime: Regime, kind: ValueKind, fields: Sequence[str]) -> list[FieldDefault]:
            defaults = table[regime].fields
            return [defaults[f] for f in fields if defaults[f].kind == kind]

        def keys(regime: Regime, items: Sequence[FieldDefault]) -> str:
            if len(items) == 1:
                return f"{regime}.fields.{items[0].field}.value"
            return f"{regime}.fields.<row>.value"

        def names(items: Sequence[FieldDefault]) -> str:
            return ", ".join(r.field for r in items)

        out: list[Assumption] = []
        unknown = rows("baseline", "unknown", TABLE_28D_FIELDS)
        if unknown:
            out.append(
                derived_assumption(
                    "A131-1",
                    f"The pre-MP131 ({base.version}) Table 28d values of {names(unknown)} are "
                    "not public; the baseline holds them as 'unknown'. A user can load the real "
                    "table (table_28d= argument)",
                    "assumed",
                    table=source,
                    key=keys("baseline", unknown),
                    source=label,
                )
            )
        valued = rows("baseline", "value", TABLE_28D_FIELDS)
        if valued:
            shown = "; ".join(f"{r.field} {show(r.field, r.value)}" for r in valued)
            out.append(
                derived_assumption(
                    "A131-1v",
                    f"The pre-MP131 ({base.version}) Table 28d values are {shown}",
                    _weakest(valued),
                    table=source,
                    key=keys("baseline", valued),
                    source="; ".join(dict.fromkeys(r.source for r in valued)),
                )
            )
        held = rows("baseline", "template", CONSTANT_FIELDS)
        if held:
            out.append(
                derived_assumption(
                    "A131-3",
                    f"The pre-MP131 Table 28d rows {names(held)} equal the ECS37 template",
                    _weakest(held),
                    table=source,
                    key=keys("baseline", held),
                    source=label,
                )
            )
        times = rows("proposed", "unknown", ("start_time", "end_time"))
        if times:
            out.append(
                derived_assumption(
                    "A131-5",
                    f"The default {' and '.join(r.field for r in times)} (ENA-required "
                    "default) are unknown; only 'no wildcards' is checked. No window such as "
                    "16:00-19:00 is assumed",
                    "assumed",
                    table=source,
                    key=keys("proposed", times),
                    source="modelling choice; the SECCo MP131 page does not give the default",
                )
            )
        return out

    def _proposed_assumption(self) -> Assumption:
        """A131-4: how the post-MP131 table reads, from its rows."""
        table = self.table
        fields = table["proposed"].fields
        aligned = [fields[f] for f in CONSTANT_FIELDS if fields[f].kind == "template"]
        other = [fields[f] for f in CONSTANT_FIELDS if fields[f].kind != "template"]
        if not other:
            text = (
                "Post-MP131 Table 28d is aligned with the ECS37 template (MP131's solution): "
                f"rows {', '.join(r.field for r in aligned)} equal the template"
            )
        else:
            shown = "; ".join(
                f"{r.field} {show(r.field, r.value) if r.kind == 'value' else r.kind}"
                for r in other
            )
            text = (
                "Post-MP131 Table 28d is not wholly the ECS37 template: "
                + (f"rows {', '.join(r.field for r in aligned)} equal it; " if aligned else "")
                + f"{shown}"
            )
        return derived_assumption(
            "A131-4",
            text,
            _weakest([*aligned, *other]),
            table=table.source,
            key="proposed.fields.<row>.value",
            source="SECCo MP131 modification page",
        )

    def assumptions(self) -> tuple[Assumption, ...]:
        """What the model rests on, each with its provenance.

        A131-1 to A131-6 are read off the loaded Table 28d (and name it), so a user's table
        with real values is reported as such rather than as "unknown".
        """
        base = self.table["baseline"]
        conflicting = [n for n, r in base.fields.items() if r.conflicts_with_template]
        a2 = (
            derived_assumption(
                "A131-2",
                "MP131's 'week definition and date range' conflict maps to the Table 28d rows "
                f"{', '.join(conflicting)}",
                "inferred",
                table=self.table.source,
                key="baseline.fields.<row>.conflicts_with_template",
                source="SECCo MP131 modification page",
            )
            if conflicting
            else Assumption(
                "A131-2",
                "MP131's 'week definition and date range' conflict maps to the Table 28d rows "
                f"{', '.join(WEEK_AND_DATE_FIELDS)}; "
                f"{self._label()} marks no row as conflicting with the template.",
                "inferred",
                "SECCo MP131 modification page",
            )
        )
        return (
            *self._table_assumptions(),
            a2,
            self._proposed_assumption(),
            self._scenario_values_assumption(),
            Assumption(
                "A131-7",
                "enable is compared by truth value: the template writes 0x01, RTDS sends FF.",
                "inferred",
                "ECS37 mapping row 740; RTDS 4.5.0 ECS37 commands",
            ),
            Assumption(
                "A131-8",
                "The ECS37 template constants are those of the GBCS v3.1 and v4.0 mapping "
                "tables (identical), cited as GBCS 18.2.",
                "stated",
                template().file,
            ),
        )

    def rulesets(self) -> Mapping[Regime, RuleSet]:
        """The baseline rule set and the proposed set derived from it."""
        return self._rulesets


def schedule_subject(
    entries: Sequence[ScheduleEntry],
    *,
    base_offset: int | None = 0,
    array_offset: int | None = None,
    default_configuration: bool = False,
    where: str = "Schedule 0-0:12.0.0.255 entries",
) -> ScheduleSubject:
    """Wrap decoded entries for the DP131 rules (offsets relative to the caller's input)."""
    return ScheduleSubject(
        tuple(entries),
        base_offset=base_offset,
        array_offset=array_offset,
        default_configuration=default_configuration,
        where=where,
    )


def template_entries(start: CosemTime, end: CosemTime) -> tuple[ScheduleEntry, ScheduleEntry]:
    """Two entries built from the template (enable octet ``FF``), selectors 1 and 2."""
    tpl = template()
    return (
        tpl.entry(index=0, selector=tpl.start_selector, switch_time=start),
        tpl.entry(index=1, selector=tpl.end_selector, switch_time=end),
    )


MODEL = Dp131Model()
