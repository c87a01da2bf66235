"""DP131 / MP131 "Default maximum demand configurable time period conflict" (raised 21 May 2020).

Problem (stated, SECCo MP131 page): SMETS, the GBCS use case, DUIS and the MMC let only the time
of day of the ESME maximum-demand configurable period be configured. The ECS37 COSEM template
(:mod:`secrules.gbcs.ecs37`) fixes every day of the week, begin date ``000001FFFF`` and end
date ``FFFFFFFFFF``, but GBCS v3.2 Table 28d (:mod:`secrules.gbcs.table_28d`) conflicts with it
on the week definition and date range. MP131 aligns Table 28d with the template (November 2020
SEC Release).

This module holds only that change: the post-MP131 Table 28d rows as a table override
(``data/dp131.toml``, ``[amendment]``) of the baseline Table 28d, and the reform that replaces
the Table 28d rules whose row the override changes. The ECS37 template did not change, so its
rules are not part of the model (no byte-level impact). The scenario space is a finite set of
device default configurations; assumptions are the ``[[assumption]]`` rows of ``dp131.toml``
plus those stated from the loaded tables' values.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

import attrs

from secrules.core.clauses import Provenance
from secrules.core.data import TableSource, bundled_once, load_table
from secrules.core.findings import Finding, Outcome
from secrules.core.proposals import (
    Assumption,
    Grid,
    ProposalModel,
    Scenario,
    Variation,
    derived_assumption,
    read_assumptions,
    restate,
)
from secrules.core.regimes import Regime
from secrules.core.rules import WORST, RuleSet
from secrules.core.sources import data_file
from secrules.dlms.cosem import CosemDate, CosemTime
from secrules.dlms.data import BitString, Boolean
from secrules.errors import InvalidValueError
from secrules.gbcs import table_28d as t28d
from secrules.gbcs.ecs37 import (
    CONSTANT_FIELDS,
    LABELS,
    ScheduleSubject,
    read_value,
    show,
    template,
)
from secrules.gbcs.table_28d import (
    TABLE_28D_FIELDS,
    FieldDefault,
    Table28d,
    ValueKind,
    read_row,
    table_rule,
    table_rules,
)
from secrules.proposals import MODEL_SUMMARIES

__all__ = [
    "ILLUSTRATIVE",
    "Amendment",
    "Dp131Model",
    "load_amendment",
]

#: What reports print beside an illustrative scenario value.
ILLUSTRATIVE = "illustrative, not the real Table 28d"

_DP131_FILE = "dp131.toml"
#: Rows whose values (concrete, else illustrative) span the scenario space.
_SCENARIO_FIELDS = (
    "exec_weekdays",
    "begin_date",
    "end_date",
    "validity_window",
    "start_time",
    "end_time",
)


@attrs.frozen
class Amendment:
    """DP131's own data (``data/dp131.toml``): the Table 28d override, examples, assumptions."""

    version: str
    origin: str
    provenance: Provenance
    description: str
    rows: Mapping[str, FieldDefault]
    #: Illustrative scenario values by row: (value, source).
    examples: Mapping[str, tuple[object, str]]
    assumptions: tuple[Assumption, ...]
    #: The file it was read from and its SHA-256.
    source: TableSource | None = attrs.field(default=None, eq=False)

    def apply(self, baseline: Table28d) -> Table28d:
        """The post-MP131 Table 28d: ``baseline`` with this amendment's rows in place."""
        return baseline.amended(
            self.rows,
            version=self.version,
            origin=self.origin,
            provenance=self.provenance,
            description=self.description,
        )


@bundled_once
def load_amendment(path: str | os.PathLike[str] | None = None) -> Amendment:
    """Load ``data/dp131.toml`` (read once) or a file in its schema.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on a broken table.
    """
    table = load_table(path, default=_DP131_FILE)
    section = table.table("amendment")
    fields_table = section.table("fields")
    unknown = sorted(set(fields_table.keys()) - set(TABLE_28D_FIELDS))
    if unknown:
        raise fields_table.error(f"unknown Table 28d row {unknown[0]!r}", unknown[0])
    rows = {name: read_row(fields_table.table(name), name) for name in fields_table.keys()}  # noqa: SIM118
    examples: dict[str, tuple[object, str]] = {}
    example_table = table.table("example")
    for name in example_table.keys():  # noqa: SIM118 - a TableReader
        if name not in TABLE_28D_FIELDS:
            raise example_table.error(f"unknown Table 28d row {name!r}", name)
        ex = example_table.table(name)
        if ex.flag("illustrative") is not True:
            raise ex.error("an example value must say illustrative = true", "illustrative")
        if ex.provenance() is not Provenance.ASSUMED:
            raise ex.error('an example value has provenance = "assumed"', "provenance")
        examples[name] = (read_value(ex, name), ex.text("source"))
    return Amendment(
        version=section.text("version"),
        origin=section.text("source"),
        provenance=section.provenance(),
        description=section.text("description"),
        rows=MappingProxyType(rows),
        examples=MappingProxyType(examples),
        assumptions=read_assumptions(table),
        source=table.source,
    )


_T = TypeVar("_T")


def _as(kind: type[_T], value: object) -> _T:
    if not isinstance(value, kind):
        raise InvalidValueError(f"expected {kind.__name__}, found {type(value).__name__}")
    return value


def _label(table: Table28d) -> str:
    """``bundled table_28d.toml`` or the user's path."""
    return table.file if table.source is None else table.source.label


def _weakest(items: Sequence[FieldDefault]) -> Provenance:
    return Provenance.weakest(r.provenance for r in items)


def _wildcard_hour(time: CosemTime) -> CosemTime:
    return CosemTime(0xFF, time.minute, time.second, time.hundredths)


class Dp131Model(ProposalModel[ScheduleSubject]):
    """A device's default MD configurable period against Table 28d, before and after MP131."""

    summary: ClassVar[str] = MODEL_SUMMARIES["DP131"]
    scope: ClassVar[str] = (
        "Default configurations whose verdict turns on the week definition and date range "
        "(exec_weekdays, begin_date, end_date: the Table 28d rows MP131 aligns with the ECS37 "
        "template), i.e. the validity window and switch times conform"
    )
    regimes: ClassVar[Mapping[Regime, str]] = MappingProxyType(
        {
            Regime.BASELINE: (
                "Pre-MP131 Table 28d (GBCS v3.2): week definition and date range conflict with "
                "the ECS37 template; their values are unknown (modelled, not read)."
            ),
            Regime.PROPOSED: (
                "Post-MP131 Table 28d: aligned with the ECS37 template (every day, from 000001FFFF"
                ", no end); default switch times unknown, checked for having no wildcards."
            ),
        }
    )
    combine = WORST
    labels: ClassVar[Mapping[Outcome, str]] = LABELS

    field_names: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "enable_octet": "Enable flag octet",
            "exec_weekdays": "Days of the week it runs",
            "date_range": "Begin and end dates",
            "validity_window": "Validity window",
            "switch_times": "Switch times",
        }
    )
    table_name: ClassVar[str] = "table_28d.toml"

    def grid(self, scenarios: Iterable[Scenario]) -> Grid:
        """Rows: the week and dates MP131 changes; columns: the rows it leaves as they were."""
        del scenarios
        return Grid(
            ("exec_weekdays", "date_range"), ("enable_octet", "validity_window", "switch_times")
        )

    def __init__(self, table_28d: str | os.PathLike[str] | Table28d | None = None) -> None:
        self._table_arg = table_28d

    def with_table(self, path: str | os.PathLike[str] | Table28d) -> Dp131Model:
        """The model on the user's own (pre-MP131) Table 28d, in the schema of ``table_28d.toml``.

        The file is read once, here: a broken table fails naming file and key, and the rules,
        scenarios and assumptions all come from that one reading. A :class:`Table28d` already
        loaded is used as it is.
        """
        return Dp131Model(path if isinstance(path, Table28d) else t28d.load_table_28d(path))

    def variations(self) -> Iterator[Variation]:
        """A131-2: the conflict MP131 names maps to the week definition, the date range, or both.

        Only rows the loaded table marks ``conflicts_with_template`` are varied; a row left out
        of the mapping is read as equal to the ECS37 template (as A131-3 reads the others).
        """
        conflicting = [
            name for name, row in self.table.fields.items() if row.conflicts_with_template
        ]
        if not conflicting:
            return
        groups = {
            "the week definition (exec_weekdays)": ["exec_weekdays"],
            "the date range (begin_date, end_date)": ["begin_date", "end_date"],
        }
        yield Variation("A131-2", f"{', '.join(conflicting)} (as modelled)", lambda: self)
        for label, names in groups.items():
            kept = [n for n in names if n in conflicting]
            if kept and kept != conflicting:
                yield Variation("A131-2", f"only {label}", functools.partial(self._only, kept))

    def _only(self, kept: Sequence[str]) -> Dp131Model:
        """The model whose baseline reads only ``kept`` as conflicting (the others as template)."""
        table = self.table
        rows = {
            name: attrs.evolve(
                row,
                kind="template",
                value=None,
                conflicts_with_template=False,
                source="alternative to A131-2: not among the conflicting rows",
                provenance=Provenance.ASSUMED,
            )
            for name, row in table.fields.items()
            if row.conflicts_with_template and name not in kept
        }
        return Dp131Model(
            table.amended(
                rows,
                version=table.version,
                origin=table.origin,
                provenance=Provenance.ASSUMED,
                description=f"{table.description} (only {', '.join(kept)} conflict)",
            )
        )

    @functools.cached_property
    def table(self) -> Table28d:
        """The baseline Table 28d this model evaluates against (read at most once per model)."""
        arg = self._table_arg
        if arg is None:
            return t28d.bundled_table_28d()
        if isinstance(arg, Table28d):
            return arg
        return t28d.load_table_28d(arg)

    @functools.cached_property
    def amended(self) -> Table28d:
        """The post-MP131 Table 28d: :attr:`table` with DP131's override applied."""
        return load_amendment().apply(self.table)

    @property
    def table_source(self) -> TableSource | None:
        """The Table 28d in use (bundled or the user's) and its SHA-256."""
        return self.table.source

    def baseline(self) -> RuleSet[ScheduleSubject]:
        """The Table 28d rules of the domain (on the user's table when one was given)."""
        if self.table is t28d.bundled_table_28d():
            return t28d.rules()
        return table_rules(self.table)

    def reform(self, baseline: RuleSet[ScheduleSubject]) -> RuleSet[ScheduleSubject]:
        """The baseline with the rules of the rows MP131's override changes replaced."""
        amended = self.amended
        override = data_file(load_amendment().source, _DP131_FILE)
        return baseline.derive(
            "DP131 proposed (post-MP131 Table 28d)",
            replace=[
                attrs.evolve(rule, data_files=(*rule.data_files, override))
                for rule in (
                    table_rule(amended, f) for f in self.table.rows_differing_from(amended)
                )
            ],
        )

    def subject(self, scenario: Scenario) -> ScheduleSubject:
        """The default configuration the scenario carries."""
        subject = scenario.subject
        if not isinstance(subject, ScheduleSubject):
            raise InvalidValueError("a DP131 scenario carries a ScheduleSubject")
        return subject

    def explain(self, finding: Finding, regime: Regime) -> Finding:
        """Say which Table 28d decided: ``conflicts under baseline Table 28d: ...``."""
        label = self.labels.get(finding.outcome, finding.outcome.value)
        return attrs.evolve(finding, message=f"{label} under {regime} Table 28d: {finding.message}")

    def _label(self) -> str:
        return _label(self.table)

    def _examples(self) -> dict[str, tuple[object, str, Provenance]]:
        # Scenario values: the tables' concrete values, else DP131's illustrative examples.
        amendment = load_amendment()
        out: dict[str, tuple[object, str, Provenance]] = {}
        for name in _SCENARIO_FIELDS:
            for regime, table in ((Regime.BASELINE, self.table), (Regime.PROPOSED, self.amended)):
                row = table.fields[name]
                if row.kind == "value" and name not in out:
                    out[name] = (row.value, f"{regime} value of {self._label()}", row.provenance)
            if name not in out and name in amendment.examples:
                out[name] = (amendment.examples[name][0], ILLUSTRATIVE, Provenance.ASSUMED)
            if name not in out:
                raise InvalidValueError(
                    f"{self._label()}: Table 28d row {name} needs a value or an illustrative "
                    "example for the DP131 scenario space"
                )
        return out

    def _scenario_values_assumption(self) -> Assumption:
        """A131-6: where each non-template scenario value comes from (read off the tables)."""
        examples = self._examples()
        parts = [
            f"{name} {show(name, value)} ({note})" for name, (value, note, _) in examples.items()
        ]
        return Assumption(
            "A131-6",
            "Scenario values other than the template: " + "; ".join(parts) + ".",
            Provenance.weakest(p for _, _, p in examples.values()),
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

    def in_scope(self, scenario: Scenario) -> bool:
        """True when validity window and switch times conform, so weeks and dates decide."""
        return scenario["validity_window"].startswith("template") and "wildcard" not in str(
            scenario["switch_times"]
        )

    def _table_assumptions(self) -> list[Assumption]:
        table = self.table
        source = table.source
        label = self._label()

        def rows(tbl: Table28d, kind: ValueKind, fields: Sequence[str]) -> list[FieldDefault]:
            return [tbl.fields[f] for f in fields if tbl.fields[f].kind == kind]

        def keys(items: Sequence[FieldDefault]) -> str:
            if len(items) == 1:
                return f"fields.{items[0].field}.value"
            return "fields.<row>.value"

        def names(items: Sequence[FieldDefault]) -> str:
            return ", ".join(r.field for r in items)

        out: list[Assumption] = []
        unknown = rows(table, "unknown", TABLE_28D_FIELDS)
        if unknown:
            out.append(
                derived_assumption(
                    "A131-1",
                    f"The pre-MP131 ({table.version}) Table 28d values of {names(unknown)} are "
                    "not public; the baseline holds them as 'unknown'. Load your copy of the real "
                    "table: secrules impact DP131 --table FILE, secrules check --table-28d "
                    "FILE, or table_28d= in the Python API",
                    "assumed",
                    table=source,
                    key=keys(unknown),
                    source=label,
                )
            )
        valued = rows(table, "value", TABLE_28D_FIELDS)
        if valued:
            shown = "; ".join(f"{r.field} {show(r.field, r.value)}" for r in valued)
            out.append(
                derived_assumption(
                    "A131-1v",
                    f"The pre-MP131 ({table.version}) Table 28d values are {shown}",
                    _weakest(valued),
                    table=source,
                    key=keys(valued),
                    source="; ".join(dict.fromkeys(r.source for r in valued)),
                )
            )
        held = rows(table, "template", CONSTANT_FIELDS)
        if held:
            out.append(
                derived_assumption(
                    "A131-3",
                    f"The pre-MP131 Table 28d rows {names(held)} equal the ECS37 template",
                    _weakest(held),
                    table=source,
                    key=keys(held),
                    source=label,
                )
            )
        times = rows(self.amended, "unknown", ("start_time", "end_time"))
        if times:
            out.append(
                derived_assumption(
                    "A131-5",
                    f"The default {' and '.join(r.field for r in times)} (ENA-required "
                    "default) are unknown; only 'no wildcards' is checked. No window such as "
                    "16:00-19:00 is assumed",
                    "assumed",
                    table=source,
                    key=keys(times),
                    source="modelling choice: the ENA-required default is not public",
                )
            )
        conflicting = [r for r in table.fields.values() if r.conflicts_with_template]
        if conflicting:
            out.append(
                derived_assumption(
                    "A131-2",
                    "MP131's 'week definition and date range' conflict maps to the Table 28d "
                    f"rows {names(conflicting)}",
                    "inferred",
                    table=source,
                    key="fields.<row>.conflicts_with_template",
                    source="SECCo MP131 modification page",
                )
            )
        return out

    def _proposed_assumption(self) -> Assumption:
        """A131-4: how the post-MP131 table reads, from its rows."""
        fields = self.amended.fields
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
            table=load_amendment().source,
            key="amendment.fields.<row>.value",
            source="SECCo MP131 modification page (approved 2020-08-26): the intent to align with "
            "the template, and its weekday, begin and end constants, are stated; the rows are not "
            "listed",
        )

    def assumptions(self) -> tuple[Assumption, ...]:
        """What the model rests on, each with its provenance.

        The ``[[assumption]]`` rows of ``dp131.toml``, with A131-1 to A131-6 stated from the
        loaded Table 28d (naming it), so a user's table with real values is reported as such
        rather than as "unknown".
        """
        derived = [
            *self._table_assumptions(),
            self._proposed_assumption(),
            self._scenario_values_assumption(),
        ]
        return restate(load_amendment().assumptions, derived)
