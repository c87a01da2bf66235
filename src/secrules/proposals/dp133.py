"""DP133 / MP133 "Consequential changes to SEC Section G" (Utiligroup).

Problem (paper of 28 May 2020): G1.7 lists the Section G provisions that bind a User acting only
as Export Supplier and/or Registered Supplier Agent; "Shared Resources" is not listed, so such a
User can ignore it. MP133 was implemented in the November 2020 SEC Release (SEC v27.0).

The baseline is Section G as it stood on 28 May 2020 (:func:`secrules.sec.section_g.rules`:
the base rule ``sec.g.user-parts`` and its G1.7 exception ``sec.g1-7.es-rsa-limit``). MP133's
change is a table override: ``data/dp133.toml`` adds G10 to the G1.7 list (A133-4), and the reform
replaces the G1.7 exception with one built on the amended list. The base rule is untouched.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from itertools import combinations
from types import MappingProxyType
from typing import ClassVar

import attrs

from secrules.core.clauses import Provenance
from secrules.core.data import TableSource, bundled_once, load_table
from secrules.core.findings import Outcome
from secrules.core.proposals import (
    Assumption,
    ProposalModel,
    Scenario,
    Variation,
    derived_assumption,
    read_assumptions,
    restate,
)
from secrules.core.regimes import Regime
from secrules.core.rules import WORST, Combiner, RuleSet
from secrules.core.sources import data_file
from secrules.errors import DataFileError
from secrules.proposals import MODEL_SUMMARIES
from secrules.sec.roles import UserRole
from secrules.sec.section_g import (
    ES_RSA,
    SectionG,
    Subject,
    g1_7_exception,
    listing,
    load_section_g,
    rules,
)

__all__ = ["APPLIES", "DOES_NOT_APPLY", "Dp133Model", "Mp133", "Subject", "load_mp133"]

APPLIES = "applies"
DOES_NOT_APPLY = "does not apply"
#: DP133's own table: MP133's addition to the G1.7 list and the A133-* assumptions.
TABLE = "dp133.toml"


@attrs.frozen
class Mp133:
    """MP133's change to Section G: the parts it adds to the G1.7 list, and whence that is known."""

    add: tuple[str, ...]
    #: The amended list as a clause name (``G1.7 list as amended by MP133 (part level)``).
    clause: str
    sec_version: str
    provenance: Provenance
    source: str
    assumptions: tuple[Assumption, ...]
    #: The table file and its SHA-256.
    table: TableSource | None = attrs.field(default=None, eq=False)


@bundled_once
def load_mp133(path: str | os.PathLike[str] | None = None) -> Mp133:
    """DP133's table from ``path``, or the bundled ``dp133.toml`` (read once) when None.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on a broken table.
    """
    table = load_table(path, default=TABLE)
    g17 = table.table("g1_7")
    return Mp133(
        add=tuple(dict.fromkeys(g17.texts("add", allow_empty=False))),
        clause=g17.text("clause"),
        sec_version=g17.text("sec_version"),
        provenance=g17.provenance(),
        source=g17.text("source"),
        assumptions=read_assumptions(table),
        table=table.source,
    )


class Dp133Model(ProposalModel[Subject]):
    """Section G applicability by role set, before and after MP133."""

    summary: ClassVar[str] = MODEL_SUMMARIES["DP133"]
    scope: ClassVar[str] = (
        "Users whose roles all lie in {Export Supplier, Registered Supplier Agent},"
        " for the parts MP133 adds to G1.7 (G10 Shared Resources)"
    )
    regimes: ClassVar[Mapping[Regime, str]] = MappingProxyType(
        {
            Regime.BASELINE: "SEC before MP133: G1.7 does not list Shared Resources (G10).",
            Regime.PROPOSED: "SEC v27.0 (MP133 implemented 29 Nov 2020): G1.7 also lists G10.",
        }
    )
    combine: ClassVar[Combiner] = WORST
    labels: ClassVar[Mapping[Outcome, str]] = MappingProxyType(
        {Outcome.PASS: APPLIES, Outcome.NOT_APPLICABLE: DOES_NOT_APPLY}
    )
    field_names: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"roles": "User Roles held", "part": "Section G part"}
    )
    #: ``--table`` / ``table=`` replace the Section G table; MP133's change stays DP133's own.
    table_name: ClassVar[str] = "section_g.toml"

    def __init__(self, section_g: SectionG | None = None, mp133: Mp133 | None = None) -> None:
        self.section_g = section_g or load_section_g()
        self.mp133 = mp133 or load_mp133()
        missing = self.section_g.unknown(self.mp133.add)
        if missing:
            where = self.mp133.table.label if self.mp133.table else TABLE
            raise DataFileError(
                f"Section G has no part {', '.join(missing)}, which MP133 adds to the G1.7 list"
                f" ({where}: g1_7.add)",
                file=self.section_g.source_file,
                key="part",
            )
        self._added = frozenset(self.mp133.add)
        #: Section G with the G1.7 list as MP133 amends it (the proposal's table override).
        self.amended = self.section_g.with_g1_7(
            self.section_g.g1_7.parts | self._added,
            clause=self.mp133.clause,
            sec_version=self.mp133.sec_version,
            provenance=self.mp133.provenance,
            source=self.mp133.source,
        )
        self.rulesets()  # built once here (linear in the table), never by a scenario

    def with_g1_7(self, parts: frozenset[str]) -> Dp133Model:
        """The same model with ``parts`` as the baseline G1.7 list (an alternative to A133-3)."""
        return Dp133Model(self.section_g.with_g1_7(parts), self.mp133)

    def variations(self) -> Iterator[Variation]:
        """A133-3: every alternative baseline G1.7 list (32 with the bundled table).

        Each subset of the parts that bind all User Roles, other than the parts MP133 adds;
        the list itself is not public, so the result must not depend on it.
        """
        pool = [p for p in self.section_g.part_ids if p in self.section_g.user_parts - self._added]
        for size in range(len(pool) + 1):
            for combo in combinations(pool, size):
                yield Variation(
                    "A133-3",
                    ", ".join(combo) or "no part",
                    functools.partial(self.with_g1_7, frozenset(combo)),
                )

    def with_table(self, path: str | os.PathLike[str]) -> Dp133Model:
        """The model on the user's own Section G table (same schema as section_g.toml)."""
        return Dp133Model(load_section_g(path), self.mp133)

    @property
    def table_source(self) -> TableSource | None:
        """The Section G table in use (bundled or the user's) and its SHA-256."""
        return self.section_g.source

    def baseline(self) -> RuleSet[Subject]:
        """Section G's rules as they stood on 28 May 2020 (the ``sec`` domain package)."""
        return rules(self.section_g)

    def reform(self, baseline: RuleSet[Subject]) -> RuleSet[Subject]:
        """MP133: the G1.7 exception replaced by one on the amended list (A133-4)."""
        rule = g1_7_exception(self.amended)
        added = data_file(self.mp133.table, TABLE)
        return baseline.derive(
            "DP133 proposed (MP133)",
            replace=[attrs.evolve(rule, data_files=(*rule.data_files, added))],
        )

    def subject(self, scenario: Scenario) -> Subject:
        """The User's roles and the part of ``scenario``."""
        if isinstance(scenario.subject, Subject):
            return scenario.subject
        return Subject(frozenset(UserRole.parse(r) for r in scenario["roles"]), scenario["part"])

    def scenarios(self) -> Iterator[Scenario]:
        """Every non-empty set of the seven roles (127), crossed with every part of Section G."""
        roles = list(UserRole)
        for size in range(1, len(roles) + 1):
            for combo in combinations(roles, size):
                role_set = frozenset(combo)
                codes = sorted(r.code for r in role_set)
                for part in self.section_g.part_ids:
                    yield Scenario({"roles": codes, "part": part}, subject=Subject(role_set, part))

    def in_scope(self, scenario: Scenario) -> bool:
        """ES/RSA-only role sets, for parts MP133 adds to the G1.7 list."""
        subject = self.subject(scenario)
        return bool(subject.roles) and subject.roles <= ES_RSA and subject.part in self._added

    def assumptions(self) -> tuple[Assumption, ...]:
        """A133-1 to A133-7, from DP133's table.

        A133-2 (the user parts) and A133-3 (the G1.7 list of 28 May 2020) are stated from the
        Section G table's ``[[part]]`` and ``[g1_7]`` data, so a user's table is reported with
        its own values; A133-4 (what MP133 adds) from ``dp133.toml``'s ``[g1_7]``. Its
        ``[[assumption]]`` rows give the rest.
        """
        return restate(self.mp133.assumptions, self._derived())

    def _derived(self) -> tuple[Assumption, ...]:
        sg = self.section_g
        rows = {a.id: a for a in self.mp133.assumptions}

        def ordered(ids: frozenset[str]) -> list[str]:
            return [p for p in sg.part_ids if p in ids]

        def row_source(ident: str, default: str) -> str:
            row = rows.get(ident)
            return row.source if row is not None else default

        others = "; ".join(
            f"{p.id} binds {', '.join(sorted(p.binds)) or 'no one'}"
            for p in sg.parts
            if not p.binds_all_users
        )
        user = ordered(sg.user_parts)
        a2 = f"The parts that bind all seven User Roles are {listing(user, len(user))}" + (
            f"; the others: {others}" if others else ""
        )
        base = sg.g1_7.parts
        a3 = f"The baseline G1.7 list is {listing(ordered(base), len(base))}"
        outside = ordered(base - sg.user_parts)
        if outside:
            shown = listing(outside, len(outside))
            a3 += f"; {shown} bind no User Role, so listing them has no effect"
        added = ordered(self._added)
        a4 = f"The proposed G1.7 list is the baseline list plus {listing(added, len(added))}"
        return (
            derived_assumption(
                "A133-2",
                a2,
                Provenance.weakest(p.provenance for p in sg.parts),
                table=sg.source,
                key="part[].binds",
                source=row_source("A133-2", "the binds of each [[part]]"),
            ),
            derived_assumption(
                "A133-3",
                a3,
                sg.g1_7.provenance,
                table=sg.source,
                key="g1_7.parts",
                source=row_source("A133-3", sg.g1_7.source),
            ),
            derived_assumption(
                "A133-4",
                a4,
                self.mp133.provenance,
                table=self.mp133.table,
                key="g1_7.add",
                source=row_source("A133-4", self.mp133.source),
            ),
        )
