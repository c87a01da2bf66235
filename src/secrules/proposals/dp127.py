"""DP127 / MP127 "SMKI RAPP Security Screening clarification".

Facts (SECCo modification page for MP127, stated): the Security Sub-Committee confirmed that SEC
G4.2 and G4.3 apply to Authorised Responsible Officers (AROs), who must be screened to BS 7858:2019
or equivalent; the SMKI RAPP (SEC Appendix D) did not say so. MP127 states the requirement in the
RAPP's ARO sections. It was implemented on 29 Nov 2020; only Appendix D changed, no Party impacted.

The baseline is :func:`secrules.sec.screening.rules`: ``sec.g4-3.aro-screening`` and the silent
``smki-rapp.aro-screening``. The reform replaces the RAPP rule with one stating the G4.3
requirement, judged by the same treatment table (A127-4); the G4.3 rule is untouched (A127-5).

Scenario space: four ARO records x two provisions (G4.3, the RAPP) = 8 rows. The RAPP rule
changes for all 4 records, the G4.3 rule for none: the duty already existed; only where it is
written down moved.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import ClassVar

import attrs

from secrules.core.citations import cite
from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import TableSource, bundled_once, load_table
from secrules.core.findings import Outcome, Verdict
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
from secrules.core.rules import WORST, Combiner, Rule, RuleSet
from secrules.core.sources import data_file
from secrules.proposals import MODEL_SUMMARIES
from secrules.sec.screening import (
    RAPP_RULE,
    TABLE,
    AroSubject,
    Provision,
    Screening,
    ScreeningPolicy,
    load_screening_policy,
    rules,
    screening_verdict,
)

__all__ = ["Dp127Model", "Mp127", "load_mp127", "rapp_rule"]

#: DP127's own table: MP127's change to the RAPP and the A127-* assumptions.
OWN_TABLE = "dp127.toml"
_ALTERNATIVES = (Outcome.PASS, Outcome.INDETERMINATE, Outcome.FAIL)


@attrs.frozen
class Mp127:
    """MP127's change to the SMKI RAPP, and whence that is known."""

    clause: str
    sec_version: str
    provenance: Provenance
    source: str
    assumptions: tuple[Assumption, ...]
    #: The table file and its SHA-256.
    table: TableSource | None = attrs.field(default=None, eq=False)


@bundled_once
def load_mp127(path: str | os.PathLike[str] | None = None) -> Mp127:
    """DP127's table from ``path``, or the bundled ``dp127.toml`` (read once) when None."""
    table = load_table(path, default=OWN_TABLE)
    rapp = table.table("rapp")
    return Mp127(
        clause=rapp.text("clause"),
        sec_version=rapp.text("sec_version"),
        provenance=rapp.provenance(),
        source=rapp.text("source"),
        assumptions=read_assumptions(table),
        table=table.source,
    )


def rapp_rule(policy: ScreeningPolicy, mp127: Mp127) -> Rule[AroSubject]:
    """``smki-rapp.aro-screening`` as MP127 amends it: the G4.3 requirement, stated in the RAPP."""
    applied = ClauseRef(
        "SEC Appendix D (SMKI RAPP)",
        mp127.clause,
        mp127.sec_version,
        mp127.provenance,
        note=mp127.source,
    )

    def fn(subject: AroSubject) -> Verdict:
        if subject.provision is not Provision.RAPP:
            return Verdict(
                Outcome.NOT_APPLICABLE,
                f"this row reads the record against {subject.provision.value}",
            )
        return screening_verdict(policy, subject.screening, "SMKI RAPP (as amended by MP127)")

    return Rule(
        id=RAPP_RULE,
        title="The SMKI RAPP requires AROs screened to BS 7858:2019 or equivalent (MP127)",
        clauses=(cite("sec.mp127.rapp-aro-screening"), cite("sec.g4-3.aro-screening"), applied),
        fn=fn,
        data_files=(data_file(policy.source, TABLE), data_file(mp127.table, OWN_TABLE)),
        text="The ARO sections of SEC Appendix D state that G4.2 and G4.3 apply to Authorised"
        " Responsible Officers, who must be screened to BS 7858:2019 or equivalent.",
    )


class Dp127Model(ProposalModel[AroSubject]):
    """ARO screening read against G4.3 and against the SMKI RAPP, before and after MP127."""

    summary: ClassVar[str] = MODEL_SUMMARIES["DP127"]
    scope: ClassVar[str] = "Every ARO record, read against the SMKI RAPP (SEC Appendix D)"
    regimes: ClassVar[Mapping[Regime, str]] = MappingProxyType(
        {
            Regime.BASELINE: "SEC before MP127: G4.2/G4.3 apply to AROs; the SMKI RAPP is"
            " silent on their screening.",
            Regime.PROPOSED: "SEC v27.0 (MP127 implemented 29 Nov 2020): the RAPP states the"
            " same screening requirement.",
        }
    )
    combine: ClassVar[Combiner] = WORST
    labels: ClassVar[Mapping[Outcome, str]] = MappingProxyType(
        {
            Outcome.PASS: "screened",
            Outcome.FAIL: "not screened",
            Outcome.INDETERMINATE: "undecided",
            Outcome.NOT_APPLICABLE: "no requirement stated",
        }
    )
    #: ``--table`` replaces the G4.3 treatment table; MP127's change stays DP127's own.
    table_name: ClassVar[str] = TABLE

    def __init__(self, policy: ScreeningPolicy | None = None, mp127: Mp127 | None = None) -> None:
        self.policy = policy or load_screening_policy()
        self.mp127 = mp127 or load_mp127()
        self.rulesets()

    def with_table(self, path: str | os.PathLike[str]) -> Dp127Model:
        """The model on the user's treatment table (same schema as aro_screening.toml)."""
        return Dp127Model(load_screening_policy(path), self.mp127)

    @property
    def table_source(self) -> TableSource | None:
        """The treatment table in use (bundled or the user's) and its SHA-256."""
        return self.policy.source

    def baseline(self) -> RuleSet[AroSubject]:
        """G4.3 and the silent RAPP, as they stood (the ``sec`` domain package)."""
        return rules(None if self.policy is load_screening_policy() else self.policy)

    def reform(self, baseline: RuleSet[AroSubject]) -> RuleSet[AroSubject]:
        """MP127: the RAPP rule replaced by one stating the G4.3 requirement (A127-4)."""
        return baseline.derive(
            "DP127 proposed (MP127)", replace=[rapp_rule(self.policy, self.mp127)]
        )

    def scenarios(self) -> Iterator[Scenario]:
        """Each of the four ARO records, read against G4.3 and against the RAPP (A127-6)."""
        for screening in Screening:
            for provision in Provision:
                yield Scenario(
                    {"screening": screening.value, "provision": provision.value},
                    subject=AroSubject(screening, provision),
                )

    def subject(self, scenario: Scenario) -> AroSubject:
        """The record and provision of ``scenario``."""
        if isinstance(scenario.subject, AroSubject):
            return scenario.subject
        return AroSubject(scenario["screening"], scenario["provision"])

    def in_scope(self, scenario: Scenario) -> bool:
        """Rows read against the RAPP, the only document MP127 changed."""
        return self.subject(scenario).provision is Provision.RAPP

    def assumptions(self) -> tuple[Assumption, ...]:
        """A127-1 to A127-6; A127-1 and A127-2 stated from the treatment table."""
        rows = {a.id: a for a in self.mp127.assumptions}
        derived = []
        for ident, screening in (
            ("A127-1", Screening.DECLARED_EQUIVALENT),
            ("A127-2", Screening.EARLIER_EDITION),
        ):
            treatment = self.policy.treatments[screening]
            row = rows.get(ident)
            derived.append(
                derived_assumption(
                    ident,
                    f"An ARO {screening.phrase} is judged {treatment.outcome.value} against"
                    f" {self.policy.standard} or equivalent, under G4.3 and the RAPP alike",
                    treatment.provenance,
                    table=self.policy.source,
                    key=f"treatment[].outcome where screening = {screening.value!r}",
                    source=row.source if row is not None else treatment.source,
                )
            )
        return restate(self.mp127.assumptions, derived)

    def variations(self) -> Iterator[Variation]:
        """Each outcome for a declared equivalent (A127-1) and an earlier edition (A127-2)."""
        for ident, screening in (
            ("A127-1", Screening.DECLARED_EQUIVALENT),
            ("A127-2", Screening.EARLIER_EDITION),
        ):
            for outcome in _ALTERNATIVES:
                yield Variation(
                    ident,
                    f"{screening.value}: {outcome.value}",
                    functools.partial(self._varied, screening, outcome),
                )

    def _varied(self, screening: Screening, outcome: Outcome) -> Dp127Model:
        return Dp127Model(self.policy.with_outcome(screening, outcome), self.mp127)
