"""The rule catalogue: every rule of every modelled proposal, with clauses and provenance."""

from __future__ import annotations

import difflib
import json
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from secrules.core.clauses import ClauseRef
from secrules.core.proposals import Proposal
from secrules.core.rules import Rule, RuleSet
from secrules.errors import InvalidValueError
from secrules.report.serialise import as_json

__all__ = ["CatalogueEntry", "find_rule", "render_catalogue", "render_rule", "rule_catalogue"]


@attrs.frozen
class CatalogueEntry:
    """One rule as it stands in one or both regimes of a proposal."""

    proposal: str
    rule: Rule[Any]
    regimes: tuple[str, ...]
    neutralised_in: tuple[str, ...] = ()


@as_json.register
def _entry(value: CatalogueEntry) -> dict[str, Any]:
    return {
        "proposal": value.proposal,
        "id": value.rule.id,
        "title": value.rule.title,
        "text": value.rule.text,
        "regimes": list(value.regimes),
        "neutralised_in": list(value.neutralised_in),
        "provenance": value.rule.provenance.value,
        "clauses": [as_json(c) for c in value.rule.clauses],
        "module": value.rule.module,
        "data_files": list(value.rule.data_files),
    }


def rule_catalogue(
    proposals: Sequence[Proposal], *, checks: Mapping[str, RuleSet[Any]] | None = None
) -> list[CatalogueEntry]:
    """Every distinct rule of each modelled proposal (noting its regimes), then ``checks``.

    ``checks`` names rule sets that apply the same way in both regimes (DUIS request checks,
    GBCS signature checks); they are listed under their name with regimes "both".
    """
    entries: list[CatalogueEntry] = []
    for proposal in proposals:
        if proposal.model is None:
            continue
        rulesets = proposal.model.rulesets()
        seen: dict[int, list[str]] = {}
        order: list[Rule[Any]] = []
        neutralised: dict[str, list[str]] = {}
        for regime, ruleset in rulesets.items():
            for rule in ruleset:
                if id(rule) not in seen:
                    seen[id(rule)] = []
                    order.append(rule)
                seen[id(rule)].append(regime)
            for rule_id in ruleset.ids:
                if ruleset.is_neutralised(rule_id):
                    neutralised.setdefault(rule_id, []).append(regime)
        entries.extend(
            CatalogueEntry(
                proposal.id,
                rule,
                tuple(seen[id(rule)]),
                tuple(neutralised.get(rule.id, ())),
            )
            for rule in order
        )
    for name, ruleset in (checks or {}).items():
        entries.extend(CatalogueEntry(name, rule, ("both regimes",)) for rule in ruleset)
    return entries


def find_rule(entries: Sequence[CatalogueEntry], rule_id: str) -> list[CatalogueEntry]:
    """The catalogue entries of ``rule_id`` (one per distinct definition, e.g. per regime).

    An unknown id raises :class:`InvalidValueError` naming the closest known ids.
    """
    found = [e for e in entries if e.rule.id == rule_id]
    if found:
        return found
    known = list(dict.fromkeys(e.rule.id for e in entries))
    close = difflib.get_close_matches(rule_id, known, n=5, cutoff=0.6)
    hint = f"did you mean {', '.join(close)}?" if close else "`secrules rules` lists every rule id"
    msg = f"unknown rule {rule_id!r}; {hint}"
    raise InvalidValueError(msg)


def _where(entry: CatalogueEntry) -> str:
    regimes = ", ".join(entry.regimes)
    neutralised = (
        f"; neutralised in {', '.join(entry.neutralised_in)}" if entry.neutralised_in else ""
    )
    return f"{entry.proposal} ({regimes}{neutralised})"


def _clause_line(clause: ClauseRef) -> str:
    registered = f" [{clause.id}]" if clause.id else ""
    return f"{clause.document} {clause.clause}, {clause.version}: {clause.provenance}{registered}"


def render_rule(entries: Sequence[CatalogueEntry], fmt: str) -> str:
    """One rule's entries (from :func:`find_rule`) in full: text, Markdown or JSON.

    Each entry shows the rule's title, where it appears (rule set or proposal, and regimes),
    its clauses with provenance and notes, the paraphrased clause text, the module that
    defines it and the data files it reads. JSON is the catalogue's schema, one entry each.
    """
    if fmt == "json":
        return json.dumps([as_json(e) for e in entries], indent=2, ensure_ascii=False) + "\n"
    if fmt not in {"text", "md"}:
        msg = f"unknown rule format {fmt!r}; expected text, md or json"
        raise InvalidValueError(msg)
    md = fmt == "md"
    blocks = []
    for e in entries:
        rule = e.rule
        data = ", ".join(rule.data_files) or "none"
        if md:
            lines = [f"## `{rule.id}`", "", rule.title + ".", ""]
            if rule.text:
                lines += [f"> {rule.text}", ""]
            lines += [
                f"- appears in: {_where(e)}",
                f"- provenance: **{rule.provenance}**",
                f"- defined in: `{rule.module}`",
                f"- data files: {', '.join(f'`{d}`' for d in rule.data_files) or 'none'}",
            ]
            if rule.exception_to:
                lines.append(f"- exception to: `{rule.exception_to}`")
            lines += ["- clauses:"]
            for c in rule.clauses:
                lines.append(f"  - {_clause_line(c)}" + (f" ({c.note})" if c.note else ""))
        else:
            lines = [
                f"{rule.id}: {rule.title}",
                f"  appears in:  {_where(e)}",
                f"  provenance:  {rule.provenance}",
                f"  defined in:  {rule.module}",
                f"  data files:  {data}",
            ]
            if rule.exception_to:
                lines.append(f"  exception to: {rule.exception_to}")
            lines.append("  clauses:")
            for c in rule.clauses:
                lines.append(f"    - {_clause_line(c)}")
                if c.note:
                    lines.append(f"      note: {c.note}")
            if rule.text:
                lines += [
                    "  text:",
                    *textwrap.wrap(rule.text, 96, initial_indent="    ", subsequent_indent="    "),
                ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def render_catalogue(entries: Sequence[CatalogueEntry], fmt: str) -> str:
    """Text, Markdown or JSON."""
    if fmt == "json":
        return json.dumps([as_json(e) for e in entries], indent=2, ensure_ascii=False) + "\n"
    if fmt == "md":
        out = [
            "# Rule catalogue",
            "",
            "Generated by `secrules rules --format md` from the proposal registry; do not edit.",
            (
                "Provenance: *stated* (read in a cited source), *inferred* (our reading),"
                " *assumed* (a modelling choice where the text is not public)."
            ),
            "",
        ]
        current = None
        for e in entries:
            if e.proposal != current:
                current = e.proposal
                out += [f"## {e.proposal}", ""]
            regimes = ", ".join(e.regimes)
            out.append(f"### `{e.rule.id}` ({regimes})")
            out.append("")
            out.append(e.rule.title + ".")
            if e.rule.text:
                out += ["", f"> {e.rule.text}"]
            out.append("")
            out.extend(
                f"- {c.document} {c.clause}, {c.version}: **{c.provenance}**"
                + (f" ({c.note})" if c.note else "")
                for c in e.rule.clauses
            )
            data = ", ".join(f"`{d}`" for d in e.rule.data_files)
            out.append(f"- defined in `{e.rule.module}`" + (f"; data: {data}" if data else ""))
            if e.neutralised_in:
                out.append(f"- neutralised in: {', '.join(e.neutralised_in)}")
            out.append("")
        return "\n".join(out)
    if fmt != "text":
        msg = f"unknown catalogue format {fmt!r}; expected text, md or json"
        raise InvalidValueError(msg)
    lines = []
    for e in entries:
        lines.append(f"{e.proposal}  {e.rule.id}  [{e.rule.provenance}] ({', '.join(e.regimes)})")
        lines.append(f"    {e.rule.title}")
        lines.extend(f"    - {c}" for c in e.rule.clauses)
    return "\n".join(lines) + "\n"
