"""GBCS use case ECS37 and its COSEM template for Schedule 0-0:12.0.0.255, attribute 2.

ECS37 ("Set Maximum Demand Configurable Time Period", message code 0x004A) writes the
``entries`` of Schedule 0-0:12.0.0.255 (interface class 10) whole: two entries, start
(script selector 1) and end (script selector 2), every other field a constant of the template
(GBCS 18.2 in the SECCo MP131 page's numbering; the constants are read from the GBCS v3.1 and
v4.0 use-case mapping tables, ``data/ecs37_template.toml``).

:func:`template_rules` checks any ``entries`` value (an ECS37 SET, an ECS18b read-back, bare
Schedule data) field by field against the template, as rules ``gbcs.ecs37.*`` over a
:class:`ScheduleSubject`; :func:`rules` is that rule set (built once).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TypeVar

import attrs

from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import TableReader, load_table
from secrules.core.findings import Outcome, Verdict
from secrules.core.rules import Rule, RuleSet
from secrules.dlms.cosem import CosemDate, CosemTime, Obis
from secrules.dlms.data import BitString, Boolean
from secrules.dlms.schedule import FIELD_NAMES, ScheduleEntry
from secrules.errors import InvalidValueError

__all__ = [
    "CONSTANT_FIELDS",
    "ENTRIES_RULE_ID",
    "LABELS",
    "Ecs37Template",
    "ScheduleSubject",
    "entry_value",
    "load_template",
    "parse_value",
    "read_value",
    "rules",
    "same_value",
    "schedule_subject",
    "show",
    "template",
    "template_entries",
    "template_rules",
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

#: Readable verdict labels: a schedule conforms to the template or conflicts with it.
LABELS: Mapping[Outcome, str] = MappingProxyType(
    {
        Outcome.PASS: "conforms",
        Outcome.FAIL: "conflicts",
        Outcome.INDETERMINATE: "indeterminate",
        Outcome.NOT_APPLICABLE: "not applicable",
    }
)

#: The id of the rule on the number of entries and their script selectors.
ENTRIES_RULE_ID = "gbcs.ecs37.entries"

_TEMPLATE_FILE = "ecs37_template.toml"


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


def same_value(field: str, actual: object, expected: object) -> bool:
    """Whether ``actual`` equals ``expected`` for ``field`` (enable by truth value)."""
    if isinstance(actual, BitString) and isinstance(expected, BitString):
        return (actual.length_bits, actual.data) == (expected.length_bits, expected.data)
    if field == "enable":
        return bool(actual) == bool(expected)
    return actual == expected


_TIME_TEXT = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{2}))?)?$")
_BITS_TEXT = re.compile(r"^[01]*$")
_HEX_TEXT = re.compile(r"^[0-9A-Fa-f]*$")


def parse_value(field: str, raw: object) -> object:
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
    raise InvalidValueError(f"no schedule entry field {field!r}")


def read_value(reader: TableReader, field: str, key: str = "value") -> object:
    """:func:`parse_value` of ``reader[key]``; DataFileError naming the file and the key."""
    try:
        return parse_value(field, reader.raw(key))
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
            constants[name] = read_value(row, name)
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


# --- ECS37 template rules. ------------------------------------------------------------------


def _labelled(outcome: Outcome, message: str, path: str | None, offset: int | None) -> Verdict:
    return Verdict(outcome, message, path=path, offset=offset, label=LABELS[outcome])


def _template_field_rule(tpl: Ecs37Template, field: str, text: str) -> Rule[ScheduleSubject]:
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
            if same_value(field, actual, expected):
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
        id=f"gbcs.ecs37.{field}",
        title=f"ECS37 template: {field} is {show(field, expected)}",
        clauses=(clause,),
        fn=check,
        data_files=(tpl.file,),
        text=text,
    )


def _entries_rule(tpl: Ecs37Template) -> Rule[ScheduleSubject]:
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
        id=ENTRIES_RULE_ID,
        title="ECS37 template: exactly two entries, script selectors 1 (start) and 2 (end)",
        clauses=(attrs.evolve(tpl.clause, note="object rows; SMETS 5.7.4.26 for the selectors"),),
        fn=check,
        data_files=(tpl.file,),
        text=(
            "ECS37 sets attribute 2 of Schedule 0-0:12.0.0.255 whole: an array of two "
            "schedule_table_entry structures, the start (script selector 1) and the end "
            "(script selector 2). The index is not constant (RTDS uses 0/1 and 1/2)."
        ),
    )


def _switch_time_rule(tpl: Ecs37Template) -> Rule[ScheduleSubject]:
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
        id="gbcs.ecs37.switch_time",
        title="ECS37 template: switch times are times with no wildcards",
        clauses=(clause,),
        fn=check,
        data_files=(tpl.file,),
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


def template_rules(tpl: Ecs37Template | None = None) -> tuple[Rule[ScheduleSubject], ...]:
    """The ECS37 template rules (``gbcs.ecs37.*``), field by field, in entry order."""
    tpl = tpl or template()
    return (
        _entries_rule(tpl),
        *(_template_field_rule(tpl, f, _TEMPLATE_TEXT[f]) for f in CONSTANT_FIELDS[:2]),
        _switch_time_rule(tpl),
        *(_template_field_rule(tpl, f, _TEMPLATE_TEXT[f]) for f in CONSTANT_FIELDS[2:]),
    )


@functools.cache
def rules() -> RuleSet[ScheduleSubject]:
    """The ECS37 template rules on the bundled template, as one rule set (built once)."""
    return RuleSet.of("GBCS ECS37 template (Schedule 0-0:12.0.0.255 entries)", template_rules())


def schedule_subject(
    entries: Iterable[ScheduleEntry],
    *,
    base_offset: int | None = 0,
    array_offset: int | None = None,
    default_configuration: bool = False,
    where: str = "Schedule 0-0:12.0.0.255 entries",
) -> ScheduleSubject:
    """Wrap decoded entries for the rules (offsets relative to the caller's input)."""
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
