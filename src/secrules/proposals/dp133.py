"""DP133 / MP133 "Consequential changes to SEC Section G" (Utiligroup).

Problem (paper of 28 May 2020): G1.7 lists the Section G provisions that bind a User acting only
as Export Supplier and/or Registered Supplier Agent; "Shared Resources" is not listed, so such a
User can ignore it. MP133 was implemented in the November 2020 SEC Release (SEC v27.0).

Two labelled rules, in Catala's manner:

- ``sec.g.user-parts`` (base rule): a User is bound by every part of Section G that binds the
  User Roles.
- ``sec.g1-7.es-rsa-limit`` (exception): a User whose roles all lie in {ES, RSA} is bound only
  by the parts G1.7 lists.

The proposed regime replaces the exception with one whose list also holds G10 (A133-4); the base
rule and the baseline rule set are untouched.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Mapping
from itertools import combinations
from typing import ClassVar

import attrs

from secrules.core.clauses import Provenance
from secrules.core.data import TableSource
from secrules.core.findings import Finding, Outcome, Verdict
from secrules.core.proposals import (
    Assumption,
    ProposalModel,
    Scenario,
    derived_assumption,
    restate,
    weakest,
)
from secrules.core.regimes import Regime, check_regime
from secrules.core.rules import Rule, RuleSet
from secrules.sec.roles import UserRole
from secrules.sec.section_g import ES_RSA, SectionG, load_section_g

__all__ = ["APPLIES", "DOES_NOT_APPLY", "MODEL", "Dp133Model", "Subject"]

APPLIES = "applies"
DOES_NOT_APPLY = "does not apply"


@attrs.frozen
class Subject:
    """A User (its set of roles) and one part of Section G."""

    roles: frozenset[UserRole]
    part: str


def _verdict(applies: bool, why: str) -> Verdict:  # noqa: FBT001 - a verdict from a predicate
    if applies:
        return Verdict(Outcome.PASS, why, label=APPLIES)
    return Verdict(Outcome.NOT_APPLICABLE, why, label=DOES_NOT_APPLY)


@functools.lru_cache(maxsize=256)
def _codes(roles: frozenset[UserRole]) -> str:
    return ", ".join(sorted(r.code for r in roles)) or "no role"


def _listing(ids: Iterable[str], limit: int = 12) -> str:
    """``G3, G5, G6 and G8``; a long list is cut after ``limit`` ids (its length is stated)."""
    items = list(ids)
    if not items:
        return "no part"
    if len(items) > limit:
        return f"{len(items)} parts ({', '.join(items[:limit])}, ...)"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def base_rule(section_g: SectionG) -> Rule:
    """``sec.g.user-parts``: Section G binds a User by every part that binds User Roles."""
    user_parts = section_g.user_parts  # computed once per table, not per scenario

    def fn(subject: Subject) -> Verdict:
        if not subject.roles:
            return _verdict(False, "no User Role: not a User (A133-6)")  # noqa: FBT003
        binds = subject.part in user_parts
        return _verdict(
            binds,
            f"{subject.part} {'binds' if binds else 'does not bind'} User Roles"
            f" ({_codes(subject.roles)})",
        )

    return Rule(
        id="sec.g.user-parts",
        title="Section G binds a User by every part that binds User Roles",
        clauses=(section_g.clause("G1 to G10 (part level)", Provenance.INFERRED),),
        fn=fn,
        text="Each part of Section G binds the parties it names; G3-G6, G8 and G10 bind Users.",
    )


def g1_7_rule(section_g: SectionG, regime: Regime) -> Rule:
    """``sec.g1-7.es-rsa-limit``: an ES/RSA-only User is bound only by the G1.7 list."""
    listed = section_g.g1_7[regime] & section_g.user_parts
    provenance = section_g.g1_7_provenance[regime]
    note = section_g.g1_7_source[regime]
    version = section_g.g1_7_version[regime]
    clause = "G1.7" if regime == "baseline" else "G1.7 as amended by MP133"
    shown = _listing(p for p in section_g.part_ids if p in listed)

    def fn(subject: Subject) -> Verdict:
        if not subject.roles or not subject.roles <= ES_RSA:
            return Verdict(
                Outcome.NOT_APPLICABLE,
                f"roles {_codes(subject.roles)} are not only Export Supplier / RSA",
            )
        inside = subject.part in listed
        return _verdict(
            inside,
            f"a User acting only as {_codes(subject.roles)} is bound by {subject.part}"
            f" only if G1.7 lists it; G1.7 ({regime}) lists {shown}",
        )

    return Rule(
        id="sec.g1-7.es-rsa-limit",
        title="A User acting only as Export Supplier and/or RSA is bound only by the G1.7 list",
        clauses=(
            section_g.clause(
                clause,
                Provenance.STATED if regime == "baseline" else provenance,
                version=version,
            ),
            section_g.clause(f"G1.7 list ({regime})", provenance, version=version, note=note),
        ),
        fn=fn,
        text=(
            "Where a User acts only in the User Role of Export Supplier and/or Registered"
            " Supplier Agent, Section G applies to it only as far as the provisions G1.7 lists."
        ),
    )


class Dp133Model(ProposalModel):
    """Section G applicability by role set, before and after MP133."""

    summary: ClassVar[str] = (
        "Section G applicability by User Role set: 127 role sets x 10 parts, 3 changed"
    )
    scope: ClassVar[str] = (
        "Users whose roles all lie in {Export Supplier, Registered Supplier Agent},"
        " for the parts MP133 adds to G1.7 (G10 Shared Resources)"
    )
    regimes: ClassVar[Mapping[str, str]] = {
        "baseline": "SEC before MP133: G1.7 does not list Shared Resources (G10).",
        "proposed": "SEC v27.0 (MP133 implemented 29 Nov 2020): G1.7 also lists G10.",
    }

    table_name: ClassVar[str] = "section_g.toml"

    def __init__(self, section_g: SectionG | None = None) -> None:
        self.section_g = section_g or load_section_g()
        baseline = RuleSet.of(
            "DP133 baseline (SEC before MP133)",
            [base_rule(self.section_g), g1_7_rule(self.section_g, "baseline")],
        )
        proposed = baseline.derive(
            "DP133 proposed (MP133)",
            replace=[g1_7_rule(self.section_g, "proposed")],
        )
        self._rulesets: dict[Regime, RuleSet] = {"baseline": baseline, "proposed": proposed}
        self._added = self.section_g.g1_7_added

    def with_table(self, path: str | os.PathLike[str]) -> Dp133Model:
        """The model on the user's own Section G table (same schema as section_g.toml)."""
        return Dp133Model(load_section_g(path))

    @property
    def table_source(self) -> TableSource | None:
        """The Section G table in use (bundled or the user's) and its SHA-256."""
        return self.section_g.source

    def rulesets(self) -> Mapping[Regime, RuleSet]:
        """The baseline set and the proposed set derived from it."""
        return dict(self._rulesets)

    def decide(self, subject: Subject, regime: Regime | str) -> Finding:
        """The exception (G1.7) wins where it applies; otherwise the base rule decides."""
        ruleset = self._rulesets[check_regime(regime)]
        exception = ruleset.evaluate(subject, "sec.g1-7.es-rsa-limit")[0]
        if exception.label is not None:
            return exception
        return ruleset.evaluate(subject, "sec.g.user-parts")[0]

    def scenarios(self) -> Iterator[Scenario]:
        """Every non-empty set of the seven roles (127), crossed with every part of Section G."""
        roles = list(UserRole)
        for size in range(1, len(roles) + 1):
            for combo in combinations(roles, size):
                role_set = frozenset(combo)
                codes = sorted(r.code for r in role_set)
                for part in self.section_g.part_ids:
                    yield Scenario({"roles": codes, "part": part}, subject=Subject(role_set, part))

    def _subject(self, scenario: Scenario) -> Subject:
        if isinstance(scenario.subject, Subject):
            return scenario.subject
        return Subject(frozenset(UserRole.parse(r) for r in scenario["roles"]), scenario["part"])

    def evaluate(self, scenario: Scenario, regime: Regime) -> Finding:
        """Whether the scenario's part binds a User holding the scenario's roles."""
        return self.decide(self._subject(scenario), regime)

    def in_scope(self, scenario: Scenario) -> bool:
        """ES/RSA-only role sets, for parts MP133 adds to the G1.7 list."""
        subject = self._subject(scenario)
        return bool(subject.roles) and subject.roles <= ES_RSA and subject.part in self._added

    def assumptions(self) -> tuple[Assumption, ...]:
        """A133-1 to A133-7, from the Section G table.

        A133-2 (the user parts), A133-3 (the baseline G1.7 list) and A133-4 (what MP133 adds)
        are stated from the table's ``[[part]]`` and ``[g1_7]`` data, so a user's table is
        reported with its own values; its ``[[assumption]]`` rows give the rest.
        """
        return restate(self.section_g.assumptions, self._derived())

    def _derived(self) -> tuple[Assumption, ...]:
        sg = self.section_g
        table = sg.source
        rows = {a.id: a for a in sg.assumptions}

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
        a2 = f"The parts that bind all seven User Roles are {_listing(user, len(user))}" + (
            f"; the others: {others}" if others else ""
        )
        base = sg.g1_7["baseline"]
        a3 = f"The baseline G1.7 list is {_listing(ordered(base), len(base))}"
        outside = ordered(base - sg.user_parts)
        if outside:
            shown = _listing(outside, len(outside))
            a3 += f"; {shown} bind no User Role, so listing them has no effect"
        added = ordered(self._added)
        a4 = f"The proposed G1.7 list is the baseline list plus {_listing(added, len(added))}"
        return (
            derived_assumption(
                "A133-2",
                a2,
                weakest(p.provenance for p in sg.parts),
                table=table,
                key="part[].binds",
                source=row_source("A133-2", "the binds of each [[part]]"),
            ),
            derived_assumption(
                "A133-3",
                a3,
                sg.g1_7_provenance["baseline"],
                table=table,
                key="g1_7.baseline.parts",
                source=row_source("A133-3", sg.g1_7_source["baseline"]),
            ),
            derived_assumption(
                "A133-4",
                a4,
                sg.g1_7_provenance["proposed"],
                table=table,
                key="g1_7.proposed.add",
                source=row_source("A133-4", sg.g1_7_source["proposed"]),
            ),
        )


MODEL = Dp133Model()
