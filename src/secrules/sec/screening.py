"""Staff screening of Authorised Responsible Officers (SEC G4.2 / G4.3), as it stood on 28 May 2020.

Two labelled rules over an :class:`AroSubject` (the screening an ARO record shows, and the
provision it is read against):

- ``sec.g4-3.aro-screening``: G4.2 and G4.3 apply to AROs, who must be screened to BS 7858:2019
  or equivalent (the Security Sub-Committee's confirmation, stated on the SECCo page for MP127).
- ``smki-rapp.aro-screening``: what SEC Appendix D (the SMKI RAPP) says of ARO screening. Before
  MP127 it says nothing, so the rule does not apply to any record.

How each kind of screening is judged is data (``data/aro_screening.toml``): BS 7858:2019 passes
and none fails (stated); a declared equivalent and an earlier edition are assumptions. Pass
``policy=`` (see :func:`load_screening_policy`) to use your own copy.
"""

from __future__ import annotations

import enum
import functools
import os
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from secrules.core.citations import cite
from secrules.core.clauses import Provenance
from secrules.core.data import TableSource, bundled_once, load_table
from secrules.core.enums import enum_member
from secrules.core.findings import Outcome, Verdict
from secrules.core.rules import Rule, RuleSet
from secrules.core.sources import data_file
from secrules.core.validation import require_type

__all__ = [
    "G4_3_RULE",
    "RAPP_RULE",
    "TABLE",
    "AroSubject",
    "Provision",
    "Screening",
    "ScreeningPolicy",
    "Treatment",
    "g4_3_rule",
    "load_screening_policy",
    "rules",
    "screening_verdict",
]

#: Rule ids.
G4_3_RULE = "sec.g4-3.aro-screening"
RAPP_RULE = "smki-rapp.aro-screening"
TABLE = "aro_screening.toml"
_OUTCOMES: Mapping[str, Outcome] = MappingProxyType(
    {"pass": Outcome.PASS, "indeterminate": Outcome.INDETERMINATE, "fail": Outcome.FAIL}
)


class Screening(enum.Enum):
    """The screening an ARO record shows."""

    BS7858_2019 = "BS 7858:2019"
    DECLARED_EQUIVALENT = "declared equivalent"
    EARLIER_EDITION = "earlier BS 7858 edition"
    NONE = "none"

    @property
    def phrase(self) -> str:
        """The record in words: ``screened to BS 7858:2019``, ``not screened``."""
        return _PHRASES[self]

    @classmethod
    def parse(cls, value: object) -> Screening:
        """The member named ``value``; InvalidValueError listing the allowed values otherwise."""
        return enum_member(cls, value, "screening")


_PHRASES = {
    Screening.BS7858_2019: "screened to BS 7858:2019",
    Screening.DECLARED_EQUIVALENT: "screened to a declared equivalent",
    Screening.EARLIER_EDITION: "screened to an earlier BS 7858 edition",
    Screening.NONE: "not screened",
}


class Provision(enum.Enum):
    """The provision an ARO record is read against."""

    G4_3 = "SEC G4.3"
    RAPP = "SMKI RAPP"

    @classmethod
    def parse(cls, value: object) -> Provision:
        """The member named ``value``; InvalidValueError listing the allowed values otherwise."""
        return enum_member(cls, value, "provision")


def _screening(value: object) -> Screening:
    return Screening.parse(value)


def _provision(value: object) -> Provision:
    return Provision.parse(value)


def _treatments(value: Mapping[Screening, Treatment]) -> Mapping[Screening, Treatment]:
    return MappingProxyType(dict(value))


@attrs.frozen
class AroSubject:
    """An ARO record's screening, read against one provision."""

    screening: Screening = attrs.field(converter=_screening)
    provision: Provision = attrs.field(converter=_provision)


@attrs.frozen
class Treatment:
    """How one kind of screening is judged, and whence that is known."""

    screening: Screening
    outcome: Outcome
    provenance: Provenance
    source: str


@attrs.frozen
class ScreeningPolicy:
    """How each kind of screening meets the ARO requirement, as read from one table."""

    document: str
    as_at: str
    standard: str
    treatments: Mapping[Screening, Treatment] = attrs.field(converter=_treatments)
    #: The table file and its SHA-256 (None for a policy built in code).
    source: TableSource | None = attrs.field(default=None, eq=False)

    def with_outcome(self, screening: Screening, outcome: Outcome) -> ScreeningPolicy:
        """A copy judging ``screening`` as ``outcome`` (an assumed alternative)."""
        old = self.treatments[screening]
        changed = attrs.evolve(
            old, outcome=outcome, provenance=Provenance.ASSUMED, source="declared alternative"
        )
        treatments = dict(self.treatments)
        treatments[screening] = changed
        return attrs.evolve(self, treatments=treatments)


@bundled_once
def load_screening_policy(path: str | os.PathLike[str] | None = None) -> ScreeningPolicy:
    """The treatment table from ``path``, or the bundled ``aro_screening.toml`` when None.

    Raises :class:`~secrules.errors.DataFileError` naming file and key on a broken table.
    """
    table = load_table(path, default=TABLE)
    treatments: dict[Screening, Treatment] = {}
    for row in table.tables("treatment"):
        name = row.choice("screening", tuple(s.value for s in Screening))
        screening = Screening(name)
        if screening in treatments:
            raise row.error(f"duplicate treatment of {name!r}", "screening")
        treatments[screening] = Treatment(
            screening=screening,
            outcome=_OUTCOMES[row.choice("outcome", tuple(_OUTCOMES))],
            provenance=row.provenance(),
            source=row.text("source"),
        )
    missing = [s.value for s in Screening if s not in treatments]
    if missing:
        raise table.error(f"no treatment of {', '.join(missing)}", "treatment")
    return ScreeningPolicy(
        document=table.text("document"),
        as_at=table.text("as_at"),
        standard=table.text("standard"),
        treatments=treatments,
        source=table.source,
    )


def screening_verdict(policy: ScreeningPolicy, screening: Screening, where: str) -> Verdict:
    """The verdict ``policy`` gives an ARO screened as ``screening``, under ``where``."""
    treatment = policy.treatments[screening]
    mark = "" if treatment.provenance is Provenance.STATED else f" ({treatment.provenance})"
    return Verdict(
        treatment.outcome,
        f"{where}: an ARO {screening.phrase} is judged {treatment.outcome.value}{mark}"
        f" against {policy.standard} or equivalent",
    )


def _other(subject: AroSubject, provision: Provision) -> Verdict | None:
    if subject.provision is provision:
        return None
    return Verdict(Outcome.NOT_APPLICABLE, f"this row reads the record against {provision.value}")


def g4_3_rule(policy: ScreeningPolicy) -> Rule[AroSubject]:
    """``sec.g4-3.aro-screening``: an ARO is screened to BS 7858:2019 or equivalent (G4.3)."""

    def fn(subject: AroSubject) -> Verdict:
        other = _other(subject, Provision.G4_3)
        return other or screening_verdict(policy, subject.screening, "G4.3")

    return Rule(
        id=G4_3_RULE,
        title="An Authorised Responsible Officer is screened to BS 7858:2019 or equivalent",
        clauses=(cite("sec.g4-3.aro-screening"),),
        fn=fn,
        data_files=(data_file(policy.source, TABLE),),
        text="G4.2 and G4.3 apply to Authorised Responsible Officers, who must be screened to"
        " BS 7858:2019 or equivalent; a failure is a non-compliance at the User Security"
        " Assessment.",
    )


def _rapp_silent() -> Rule[AroSubject]:
    def fn(subject: AroSubject) -> Verdict:
        return _other(subject, Provision.RAPP) or Verdict(
            Outcome.NOT_APPLICABLE, "the SMKI RAPP states no screening requirement for AROs"
        )

    return Rule(
        id=RAPP_RULE,
        title="The SMKI RAPP on ARO screening (silent before MP127)",
        clauses=(cite("sec.appendix-d.aro-before-mp127"),),
        fn=fn,
        text="The ARO sections of SEC Appendix D (the SMKI RAPP) state no screening requirement.",
    )


def _build(policy: ScreeningPolicy) -> RuleSet[AroSubject]:
    # The RAPP rule comes first: where it does not apply, its finding is the one reported.
    return RuleSet.of(
        f"{policy.document} and Appendix D as at {policy.as_at}",
        [_rapp_silent(), g4_3_rule(policy)],
    )


@functools.cache
def _bundled_rules() -> RuleSet[AroSubject]:
    return _build(load_screening_policy())


def rules(policy: ScreeningPolicy | None = None) -> RuleSet[AroSubject]:
    """The ARO screening rules as they stood, on ``policy`` (the bundled table when None)."""
    if policy is None:
        return _bundled_rules()
    require_type(policy, "policy", (ScreeningPolicy,), "a ScreeningPolicy")
    return _build(policy)
