"""Draw a :class:`~secrules.report.grid.Picture` as inline SVG: no script, no network, prints.

Each cell is split in two: the left half is the verdict under the baseline, the right half under
the proposal, stacked by count when the cell holds several verdicts. Colours are colour-blind
safe (Okabe-Ito) and never the only cue: a failing verdict is hatched, an indeterminate one
dotted, and a changed cell has a heavy black outline and the number of changed situations.
The legend is part of the picture, so a printed or copied picture explains itself.
"""

from __future__ import annotations

import html
import itertools

from secrules.core.findings import Outcome
from secrules.report.grid import Cell, Picture

__all__ = ["MEANING", "render_svg"]

_FILL = {
    Outcome.PASS: "#009E73",
    Outcome.FAIL: "#D55E00",
    Outcome.NOT_APPLICABLE: "#DDDDDD",
    Outcome.INDETERMINATE: "#F0E442",
}
_PATTERN = {Outcome.FAIL: "hatch", Outcome.INDETERMINATE: "dots"}
#: What an outcome means, in words, for the legend.
MEANING = {
    Outcome.PASS: "the rule is met",
    Outcome.FAIL: "the rule is broken",
    Outcome.NOT_APPLICABLE: "the rule does not cover it",
    Outcome.INDETERMINATE: "cannot be decided from public data",
}
_CW, _CH = 40, 22
_CHAR = 6.6  # average advance of a 11px sans-serif character
_FONT = 11
_ids = itertools.count(1)


def _text_width(text: str) -> float:
    return len(text) * _CHAR


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _defs(uid: str) -> str:
    return (
        "<defs>"
        f'<pattern id="{uid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse"'
        ' patternTransform="rotate(45)"><rect width="6" height="6" fill="none"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="1.6"'
        ' stroke-opacity=".45"/></pattern>'
        f'<pattern id="{uid}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        '<circle cx="2.5" cy="2.5" r="1" fill="#000" fill-opacity=".45"/></pattern>'
        "</defs>"
    )


def _swatch(uid: str, x: float, y: float, w: float, h: float, *, outcome: Outcome) -> str:
    out = (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{_FILL[outcome]}"/>'
    )
    pattern = _PATTERN.get(outcome)
    if pattern:
        out += (
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}"'
            f' fill="url(#{uid}-{pattern})"/>'
        )
    return out


def _half(
    uid: str,
    x: float,
    y: float,
    w: float,
    *,
    counts: tuple[tuple[str, int], ...],
    outcomes: dict[str, Outcome],
) -> str:
    total = sum(n for _, n in counts) or 1
    out, top = [], y
    ordered = sorted(counts, key=lambda vc: (outcomes[vc[0]].severity, vc[0]))
    for verdict, n in ordered:
        h = (_CH - 2) * n / total
        out.append(_swatch(uid, x, top, w, h, outcome=outcomes[verdict]))
        top += h
    return "".join(out)


def _tip(cell: Cell, row: str, column: str) -> str:
    def shown(counts: tuple[tuple[str, int], ...]) -> str:
        return ", ".join(f"{v} ({n})" if cell.total > 1 else v for v, n in counts)

    text = (
        f"{row} / {column}: {cell.total} situation{'s' * (cell.total != 1)}; "
        f"baseline: {shown(cell.baseline)}; proposed: {shown(cell.proposed)}"
    )
    if cell.changed:
        text += f"; {cell.changed} changed"
    return text


def render_svg(pic: Picture, *, thumbnail: bool = False) -> str:
    """The picture as one ``<svg>`` element (legend included unless ``thumbnail``)."""
    uid = f"g{next(_ids)}"
    outcomes = dict(pic.verdicts)
    row_w = max([_text_width(line.label) for line in pic.lines] + [_text_width(pic.row_axis)])
    parts = [c.split(" · ") for c in pic.columns]
    depth = max([len(p) for p in parts] + [1])
    col_h = max([_text_width(x) for p in parts for x in p] + [0])
    del depth
    left = row_w + 16
    head = 34
    top = head + col_h + 12
    grid_w = len(pic.columns) * _CW
    legend_w = 30 + max([_text_width(_legend_text(pic))] + [_text_width(t) for t in _LEGEND])
    width = max(left + grid_w + 12, 0.0 if thumbnail else legend_w)
    grid_bottom = top + len(pic.lines) * _CH
    legend_y = grid_bottom + 18
    legend_lines = len(pic.verdicts) + 3
    height = grid_bottom + 8 if thumbnail else legend_y + legend_lines * 18 + 6
    title = f"{pic.proposal}: {pic.changed} of {pic.total} situations change"
    kind = "grid thumb" if thumbnail else "grid"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{kind}" role="img"'
        f' width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}"'
        f' font-family="sans-serif" font-size="{_FONT}" aria-labelledby="{uid}-t">'
    )
    out = [
        svg,
        f'<title id="{uid}-t">{_e(title)}</title>',
        _defs(uid),
        f'<text x="4" y="14" font-weight="bold">{_e(pic.caption or pic.proposal)}</text>',
        f'<text x="4" y="{top - 6:.1f}" font-style="italic">{_e(pic.row_axis)} ↓</text>',
        f'<text x="{left:.1f}" y="30" font-style="italic">{_e(pic.column_axis)} →</text>',
    ]
    for j, column in enumerate(parts):
        # Vertical labels, one line per parameter, stacked across the column's width.
        cx = left + j * _CW + _CW / 2 + 4 - (len(column) - 1) * 6
        cy = top - 6
        lines = "".join(
            f'<tspan x="{cx:.1f}" dy="{0 if k == 0 else 12}">{_e(x)}</tspan>'
            for k, x in enumerate(column)
        )
        out.append(
            f'<text class="col" x="{cx:.1f}" y="{cy:.1f}"'
            f' transform="rotate(-90 {cx:.1f} {cy:.1f})">{lines}</text>'
        )
    for i, line in enumerate(pic.lines):
        y = top + i * _CH
        style = ' font-style="italic"' if line.merged else ""
        out.append(
            f'<text class="row" x="{left - 6:.1f}" y="{y + _CH / 2 + 4:.1f}"'
            f' text-anchor="end"{style}>{_e(line.label)}</text>'
        )
        for j, cell in enumerate(line.cells):
            if cell is None:
                continue
            x = left + j * _CW
            changed = f' data-changed="{cell.changed}"' if cell.changed else ""
            cls = "cell changed" if cell.changed else "cell"
            out.append(
                f'<g class="{cls}"{changed}>'
                f"<title>{_e(_tip(cell, line.label, pic.columns[j]))}</title>"
            )
            half = _CW / 2 - 1
            out.append(
                _half(uid, x + 1, y + 1, half - 0.5, counts=cell.baseline, outcomes=outcomes)
            )
            out.append(
                _half(
                    uid,
                    x + _CW / 2 + 0.5,
                    y + 1,
                    half - 0.5,
                    counts=cell.proposed,
                    outcomes=outcomes,
                )
            )
            if cell.changed:
                out.append(
                    f'<rect class="mark" x="{x + 1.5:.1f}" y="{y + 1.5:.1f}" width="{_CW - 3}"'
                    f' height="{_CH - 3}" fill="none" stroke="#000" stroke-width="3"/>'
                    f'<circle cx="{x + _CW / 2:.1f}" cy="{y + _CH / 2:.1f}" r="6" fill="#fff"'
                    ' stroke="#000"/>'
                    f'<text x="{x + _CW / 2:.1f}" y="{y + _CH / 2 + 3.5:.1f}" text-anchor="middle"'
                    f' font-size="10" font-weight="bold">{cell.changed}</text>'
                )
            out.append("</g>")
    if not thumbnail:
        out.append(_legend(uid, pic, legend_y))
    out.append("</svg>")
    return "".join(out)


_LEGEND = (
    "each cell: left half baseline, right half proposed (stacked by count when mixed)",
    "changed: heavy outline, n = situations that change",
)


def _legend_text(pic: Picture) -> str:
    grouped = "; ".join(f"{name} ({count} values)" for name, count in pic.grouped)
    more = f"; inside each cell: {grouped}" if grouped else ""
    merged = any(line.merged for line in pic.lines)
    italic = "; italic rows merge values with the same verdicts" if merged else ""
    return f"{pic.total} situations, {pic.changed} changed{more}{italic}"


def _legend(uid: str, pic: Picture, y: float) -> str:
    out = [f'<g class="legend"><text x="4" y="{y:.1f}" font-weight="bold">Legend</text>']
    y += 6
    for verdict, outcome in pic.verdicts:
        out.append(_swatch(uid, 4, y, 16, 12, outcome=outcome))
        out.append(f'<text x="26" y="{y + 10:.1f}">{_e(verdict)}: {_e(MEANING[outcome])}</text>')
        y += 18
    out.append(
        f'<rect x="4" y="{y:.1f}" width="8" height="12" fill="#bbb"/>'
        f'<rect x="13" y="{y:.1f}" width="8" height="12" fill="#777"/>'
        f'<text x="26" y="{y + 10:.1f}">{_LEGEND[0]}</text>'
    )
    y += 18
    out.append(
        f'<rect x="4" y="{y:.1f}" width="17" height="13" fill="#fff" stroke="#000"'
        ' stroke-width="3"/>'
        f'<text x="12.5" y="{y + 10:.1f}" text-anchor="middle" font-size="9"'
        ' font-weight="bold">n</text>'
        f'<text x="26" y="{y + 10:.1f}">{_LEGEND[1]}</text>'
    )
    y += 18
    out.append(f'<text x="4" y="{y + 10:.1f}">{_e(_legend_text(pic))}</text>')
    out.append("</g>")
    return "".join(out)
