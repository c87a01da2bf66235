"""DP132 "DLMS references in GBCS": withdrawn, so the proposed regime is the baseline.

Facts (SECCo modification page dlms-references-in-gbcs, checked): raised 21 May 2020; withdrawn by
its proposer on 17 Jun 2020 (SEC D5.1) and never implemented. GBCS cites the Green Book (DLMS UA
1000-2 Ed. 8) and the Blue Book (DLMS UA 1000-1 Ed. 12.0); the Yellow Book DLMS UA 1001-1 Ed. 6.1
V1.1 (3 Mar 2020) is aligned with Blue Ed. 12.2 and Green Ed. 8.3 and sunsets CTT 3.0. The paper's
targets (Green Ed. 9, Blue Ed. 13) are kept as data labelled "never adopted".

The baseline holds two domain rules: ``gbcs.dlms-edition-references``
(:mod:`secrules.gbcs.dlms_references`) and ``cpl.dlms-ctt-certificate`` (:mod:`secrules.sec.cpl`).
The reform derives the proposed set from it and changes nothing (A132-1): 0 rows change, for
every input.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from types import MappingProxyType
from typing import ClassVar

import attrs

from secrules.core.clauses import Provenance
from secrules.core.data import TableSource, bundled_once, load_table
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
from secrules.errors import InvalidValueError
from secrules.gbcs.dlms_references import (
    DlmsReferences,
    EditionReference,
    edition_rule,
    load_dlms_references,
)
from secrules.proposals import MODEL_SUMMARIES
from secrules.sec.cpl import TABLE, CplSubmission, CttPolicy, cpl_rule, load_ctt_policy

__all__ = ["CERTIFICATES", "Dp132", "Dp132Model", "Target", "load_dp132"]

OWN_TABLE = "dp132.toml"
#: The DLMS certificates a scenario's Device may hold (None: no certificate).
CERTIFICATES: tuple[str | None, ...] = ("3.1", "3.0", None)
_KINDS = ("DLMS reference", "CPL submission")


@attrs.frozen
class Target:
    """An edition the paper names as DP132's target (never adopted)."""

    book: str
    edition: str
    status: str
    provenance: Provenance
    source: str


@attrs.frozen
class Dp132:
    """DP132's own table: its withdrawal, its targets and its assumptions."""

    withdrawn: str
    withdrawn_source: str
    targets: tuple[Target, ...]
    assumptions: tuple[Assumption, ...]
    table: TableSource | None = attrs.field(default=None, eq=False)


@bundled_once
def load_dp132(path: str | os.PathLike[str] | None = None) -> Dp132:
    """DP132's table from ``path``, or the bundled ``dp132.toml`` (read once) when None."""
    table = load_table(path, default=OWN_TABLE)
    withdrawn = table.table("withdrawn")
    return Dp132(
        withdrawn=withdrawn.text("date"),
        withdrawn_source=withdrawn.text("source"),
        targets=tuple(
            Target(
                book=row.text("book"),
                edition=row.text("edition"),
                status=row.text("status"),
                provenance=row.provenance(),
                source=row.text("source"),
            )
            for row in table.tables("target")
        ),
        assumptions=read_assumptions(table),
        table=table.source,
    )


class Dp132Model(ProposalModel[object]):
    """GBCS's DLMS edition references and the CPL's CTT rule: the same in both regimes."""

    summary: ClassVar[str] = MODEL_SUMMARIES["DP132"]
    scope: ClassVar[str] = "None: DP132 was withdrawn, so the regimes differ nowhere"
    regimes: ClassVar[Mapping[Regime, str]] = MappingProxyType(
        {
            Regime.BASELINE: "GBCS cites Green Book Ed. 8 and Blue Book Ed. 12.0; the CPL needs"
            " a CTT 3.1 certificate, or CTT 3.0 for a Device tested before 3 Mar 2020.",
            Regime.PROPOSED: "The baseline: DP132 was withdrawn on 17 Jun 2020 (SEC D5.1) and"
            " never implemented.",
        }
    )
    combine: ClassVar[Combiner] = WORST
    #: ``--table`` replaces the CPL's CTT table; the DLMS references stay the bundled ones.
    table_name: ClassVar[str] = TABLE

    def __init__(
        self,
        ctt: CttPolicy | None = None,
        references: DlmsReferences | None = None,
        dp132: Dp132 | None = None,
    ) -> None:
        self.ctt = ctt or load_ctt_policy()
        self.references = references or load_dlms_references()
        self.dp132 = dp132 or load_dp132()
        unknown = sorted({t.book for t in self.dp132.targets} - set(self.references.books))
        if unknown:
            raise InvalidValueError(f"DP132 targets books GBCS does not cite: {unknown}")
        self.rulesets()

    def with_table(self, path: str | os.PathLike[str]) -> Dp132Model:
        """The model on the user's CPL CTT table (same schema as cpl_ctt.toml)."""
        return Dp132Model(load_ctt_policy(path), self.references, self.dp132)

    @property
    def table_source(self) -> TableSource | None:
        """The CPL CTT table in use (bundled or the user's) and its SHA-256."""
        return self.ctt.source

    def baseline(self) -> RuleSet[object]:
        """GBCS's DLMS references and the CPL's CTT rule, as they stood."""
        return RuleSet.of(
            f"GBCS DLMS references and CPL requirements as at {self.references.as_at}",
            [edition_rule(self.references), cpl_rule(self.ctt)],
        )

    def reform(self, baseline: RuleSet[object]) -> RuleSet[object]:
        """Nothing: DP132 was withdrawn (SEC D5.1), so the proposed set is the baseline's."""
        return baseline.derive(f"DP132 proposed (withdrawn {self.dp132.withdrawn}: no change)")

    def scenarios(self) -> Iterator[Scenario]:
        """Each book's editions (pinned, aligned, target), then 3 certificates x 3 test dates."""
        for book in self.references.books.values():
            editions = {book.pinned: "pinned by GBCS"}
            editions.update((e, "aligned with the Yellow Book") for e in book.aligned)
            editions.update(
                (t.edition, f"DP132 target: {t.status}")
                for t in self.dp132.targets
                if t.book == book.name
            )
            for edition, status in editions.items():
                yield Scenario(
                    {"kind": _KINDS[0], "item": book.name, "detail": edition, "status": status},
                    subject=EditionReference(book.name, edition),
                )
        cutoff = self.ctt.legacy_tested_before
        days = (
            (cutoff - timedelta(days=1), "before the CTT 3.0 sunset"),
            (cutoff, "on the sunset date"),
            (cutoff + timedelta(days=1), "after the sunset"),
        )
        for ctt in CERTIFICATES:
            for day, status in days:
                yield Scenario(
                    {
                        "kind": _KINDS[1],
                        "item": f"CTT {ctt}" if ctt else "no certificate",
                        "detail": f"tested {day.isoformat()}",
                        "status": status,
                    },
                    subject=CplSubmission(ctt, day),
                )

    def subject(self, scenario: Scenario) -> object:
        """The reference or submission of ``scenario``."""
        if scenario.subject is not None:
            return scenario.subject
        kind, item, detail = (str(scenario[k]) for k in ("kind", "item", "detail"))
        if kind == _KINDS[0]:
            return EditionReference(item, detail)
        if kind != _KINDS[1]:
            raise InvalidValueError(f"unknown kind {kind!r}; expected one of {', '.join(_KINDS)}")
        ctt = item.removeprefix("CTT ") if item.startswith("CTT ") else None
        try:
            day = date.fromisoformat(detail.removeprefix("tested "))
        except ValueError:
            raise InvalidValueError(f"{detail!r} is not 'tested YYYY-MM-DD'") from None
        return CplSubmission(ctt, day)

    def in_scope(self, scenario: Scenario) -> bool:
        """Never: a withdrawn proposal changes nothing."""
        del scenario
        return False

    def assumptions(self) -> tuple[Assumption, ...]:
        """A132-1 to A132-4; A132-2 stated from the CPL table's ``[boundary]``."""
        ctt = self.ctt
        rows = {a.id: a for a in self.dp132.assumptions}
        row = rows.get("A132-2")
        verdict = "accepted" if ctt.boundary_accepted else "refused"
        a2 = derived_assumption(
            "A132-2",
            f"A CTT {ctt.legacy} certificate for a Device tested on"
            f" {ctt.legacy_tested_before.isoformat()} itself is {verdict}",
            ctt.boundary_provenance,
            table=ctt.source,
            key="boundary.accepted",
            source=row.source if row is not None else ctt.boundary_source,
        )
        return restate(self.dp132.assumptions, (a2,))

    def variations(self) -> Iterator[Variation]:
        """A132-2 both ways: the boundary date accepted, and refused."""
        for accepted in (True, False):
            yield Variation(
                "A132-2",
                f"tested on the date itself: {'accepted' if accepted else 'refused'}",
                functools.partial(self._varied, accepted),
            )

    def _varied(self, accepted: bool) -> Dp132Model:  # noqa: FBT001 - the alternative's value
        ctt = attrs.evolve(
            self.ctt, boundary_accepted=accepted, boundary_provenance=Provenance.ASSUMED
        )
        return Dp132Model(ctt, self.references, self.dp132)
