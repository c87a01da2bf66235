"""The picture of an impact report: scenarios laid out on the two axes the model declares.

:func:`picture` groups the rows of an :class:`~secrules.core.ImpactReport` into cells by the
model's :meth:`~secrules.core.ProposalModel.grid` (row parameters x column parameters); the
parameters on neither axis are counted inside each cell. A large row axis is summarised: rows
with a changed cell are kept, the others merged by their pattern of verdicts, so thousands of
situations never become thousands of lines. Renderers (:mod:`secrules.report.svg`) draw it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs

from secrules.core.findings import Outcome
from secrules.core.impact import ImpactReport, ImpactRow
from secrules.report.labels import Notes, field_name

__all__ = ["MAX_ROWS", "Cell", "GridLine", "Picture", "picture"]

#: Above this many row values, unchanged rows are merged by their pattern of verdicts.
MAX_ROWS = 14


@attrs.frozen
class Cell:
    """The situations of one row value x column value, counted by verdict in each regime."""

    baseline: tuple[tuple[str, int], ...]
    proposed: tuple[tuple[str, int], ...]
    total: int
    changed: int

    @staticmethod
    def of(rows: list[ImpactRow]) -> Cell:
        """The cell holding ``rows``."""
        base = Counter(r.baseline.verdict for r in rows)
        prop = Counter(r.proposed.verdict for r in rows)
        return Cell(
            tuple(sorted(base.items())),
            tuple(sorted(prop.items())),
            len(rows),
            sum(1 for r in rows if r.changed),
        )

    def signature(self) -> tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]]:
        """What two cells must share to be merged: their verdicts (not their counts)."""
        return (
            tuple((v, 0) for v, _ in self.baseline),
            tuple((v, 0) for v, _ in self.proposed),
        )


@attrs.frozen
class GridLine:
    """One row of the picture: one row value, or several merged (``members``)."""

    label: str
    members: tuple[str, ...]
    cells: tuple[Cell | None, ...]

    @property
    def merged(self) -> bool:
        """True when this line stands for several row values with the same verdicts."""
        return len(self.members) > 1

    @property
    def changed(self) -> int:
        """Changed situations on this line."""
        return sum(c.changed for c in self.cells if c is not None)


@attrs.frozen
class Picture:
    """A report laid out as a grid, ready to draw."""

    proposal: str
    row_axis: str
    column_axis: str
    columns: tuple[str, ...]
    lines: tuple[GridLine, ...]
    #: Each verdict word and the outcome it stands for, most severe first.
    verdicts: tuple[tuple[str, Outcome], ...]
    #: The parameters grouped inside each cell, with their number of values.
    grouped: tuple[tuple[str, int], ...]
    total: int
    changed: int
    #: Row values before summarising.
    row_values: int
    caption: str = ""

    @property
    def cells(self) -> tuple[Cell, ...]:
        """Every non-empty cell."""
        return tuple(c for line in self.lines for c in line.cells if c is not None)


def _key(report: ImpactReport, row: ImpactRow, names: tuple[str, ...], notes: Notes) -> str:
    del report
    return " · ".join(notes.value(row.scenario[n]) for n in names) if names else "all"


def picture(report: ImpactReport, notes: Notes, *, caption: str = "") -> Picture:
    """Lay ``report`` out on its model's grid; caveats of axis values go to ``notes``."""
    model = report.model
    scenarios = [row.scenario for row in report.rows]
    grid = model.grid(scenarios)
    names = {n for n, _ in scenarios[0].params} if scenarios else set()
    row_names = tuple(n for n in grid.rows if n in names)
    col_names = tuple(n for n in grid.columns if n in names and n not in row_names)
    rest = (
        [n for n, _ in scenarios[0].params if n not in (*row_names, *col_names)]
        if scenarios
        else []
    )
    buckets: dict[str, dict[str, list[ImpactRow]]] = {}
    columns: dict[str, None] = {}
    for row in report.rows:
        r = _key(report, row, row_names, notes)
        c = _key(report, row, col_names, notes)
        columns[c] = None
        buckets.setdefault(r, {}).setdefault(c, []).append(row)
    cols = tuple(columns)
    lines = [
        GridLine(
            r,
            (r,),
            tuple(Cell.of(cells[c]) if c in cells else None for c in cols),
        )
        for r, cells in buckets.items()
    ]
    lines = _summarise(lines)
    outcomes: dict[str, Outcome] = {}
    for row in report.rows:
        for finding in (row.baseline, row.proposed):
            outcomes.setdefault(finding.verdict, finding.outcome)
    verdicts = tuple(sorted(outcomes.items(), key=lambda vo: (vo[1].severity, vo[0])))
    inside: dict[str, int] = {}
    for cells in buckets.values():
        for members in cells.values():
            for n in rest:
                inside[n] = max(inside.get(n, 0), len({str(r.scenario[n]) for r in members}))
    grouped = tuple((n, k) for n, k in inside.items() if k > 1)

    def axis(parts: tuple[str, ...]) -> str:
        return " · ".join(field_name(model, n) for n in parts) if parts else "(all situations)"

    return Picture(
        proposal=report.id,
        row_axis=axis(row_names),
        column_axis=axis(col_names),
        columns=cols,
        lines=tuple(lines),
        verdicts=verdicts,
        grouped=tuple((field_name(model, n), k) for n, k in grouped),
        total=report.total,
        changed=report.changed_count,
        row_values=len(buckets),
        caption=caption,
    )


def _summarise(lines: list[GridLine]) -> list[GridLine]:
    """Keep every line when few; else keep changed lines and merge the rest by pattern."""
    if len(lines) <= MAX_ROWS:
        return lines
    kept = [line for line in lines if line.changed]
    if len(kept) > MAX_ROWS // 2:
        kept = []  # many changed lines: merge them by pattern too
    groups: dict[Any, list[GridLine]] = {}
    for line in lines:
        if line in kept:
            continue
        sig = tuple(None if c is None else (c.signature(), c.changed > 0) for c in line.cells)
        groups.setdefault(sig, []).append(line)
    merged = []
    for members in groups.values():
        if len(members) == 1:
            merged.append(members[0])
            continue
        cells = []
        for index in range(len(members[0].cells)):
            parts = [c for m in members if (c := m.cells[index]) is not None]
            cells.append(_merge(parts) if parts else None)
        names = tuple(n for m in members for n in m.members)
        merged.append(GridLine(f"{names[0]} and {len(names) - 1} more", names, tuple(cells)))
    return kept + merged


def _merge(cells: list[Cell]) -> Cell:
    base: Counter[str] = Counter()
    prop: Counter[str] = Counter()
    for cell in cells:
        base.update(dict(cell.baseline))
        prop.update(dict(cell.proposed))
    return Cell(
        tuple(sorted(base.items())),
        tuple(sorted(prop.items())),
        sum(c.total for c in cells),
        sum(c.changed for c in cells),
    )
