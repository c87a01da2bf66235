"""DP125 "Correcting the ESME variant" (Npower; SECAS paper to TABASC, 28 May 2020).

Problem (stated): the installing Supplier sent SR 12.2 with the wrong ``ESMEVariant`` and, once
the ESME is Commissioned, the gaining Supplier cannot correct it. The outcome of DP125 is
unknown, so both regimes are named assumptions (``data/dp125_policy.toml``, A125-1..8):

- baseline (A125-4): SR 8.4 UpdateDeviceDetails may change ESMEVariant only if the sender is the
  installing Import Supplier and the status is Pending, Whitelisted or InstalledNotCommissioned;
- proposed (A125-5): the same, plus the current Responsible Import Supplier once Commissioned.

Scenario space: 10 actor kinds x 8 device types x 9 statuses = 720 UpdateDeviceDetails requests,
each carrying a valid ESMEVariant. Baseline accepts 6, proposed 8; exactly 2 change.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import ClassVar

from secrules.core.data import TableSource
from secrules.core.findings import Finding, Outcome
from secrules.core.proposals import (
    Assumption,
    ProposalModel,
    Scenario,
    derived_assumption,
    restate,
)
from secrules.core.regimes import Regime, check_regime
from secrules.core.rules import RuleSet
from secrules.inventory.types import DeviceStatus, DeviceType, variant_catalogue
from secrules.inventory.variant_policy import (
    ACTOR_RULE,
    Actor,
    Dp125Policy,
    Grant,
    VariantChange,
    dp125_policy,
    load_dp125_policy,
    variant_rulesets,
)
from secrules.sec import UserRole

__all__ = ["ACTOR_KINDS", "MODEL", "Dp125Model"]

#: The ten actor kinds: an Import Supplier for each (installing, responsible) combination, and
#: one unrelated User for each other role.
ACTOR_KINDS: tuple[Actor, ...] = (
    Actor(UserRole.IMPORT_SUPPLIER, installing=True, responsible=True),
    Actor(UserRole.IMPORT_SUPPLIER, installing=True, responsible=False),
    Actor(UserRole.IMPORT_SUPPLIER, installing=False, responsible=True),
    Actor(UserRole.IMPORT_SUPPLIER, installing=False, responsible=False),
    *(
        Actor(role)
        for role in (
            UserRole.EXPORT_SUPPLIER,
            UserRole.GAS_SUPPLIER,
            UserRole.ELECTRICITY_DISTRIBUTOR,
            UserRole.GAS_TRANSPORTER,
            UserRole.REGISTERED_SUPPLIER_AGENT,
            UserRole.OTHER_USER,
        )
    ),
)


class Dp125Model(ProposalModel):
    """Who may correct an ESME's ESMEVariant with SR 8.4, baseline against proposed."""

    summary: ClassVar[str] = (
        "SR 8.4 UpdateDeviceDetails carrying ESMEVariant: 10 actor kinds x 8 device types x "
        "9 SMI statuses, both regimes named assumptions (A125-4 / A125-5)"
    )
    scope: ClassVar[str] = (
        "An ESME in status Commissioned whose ESMEVariant is corrected by its current "
        "Responsible Import Supplier (whether or not it also installed the meter)."
    )
    regimes: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "baseline": "Assumption A125-4: only the installing Import Supplier may change "
            "ESMEVariant, and only while the ESME is Pending, Whitelisted or "
            "InstalledNotCommissioned.",
            "proposed": "Assumption A125-5: as the baseline, plus the current Responsible "
            "Import Supplier may change it once the ESME is Commissioned.",
        }
    )

    #: The named assumptions of both regimes; a user may pass their own copy.
    table_name: ClassVar[str] = "dp125_policy.toml"

    def __init__(self, policy: Dp125Policy | None = None, *, era: str | None = None) -> None:
        self._policy = policy
        self._era = era

    def with_table(self, path: str | os.PathLike[str]) -> Dp125Model:
        """The same model on the user's copy of ``dp125_policy.toml`` at ``path``."""
        return Dp125Model(load_dp125_policy(path), era=self._era)

    @property
    def table_source(self) -> TableSource | None:
        """The DP125 policy table in use (bundled or the user's) and its SHA-256."""
        return self.policy.source

    @property
    def policy(self) -> Dp125Policy:
        """The DP125 policy table in use (the bundled one by default)."""
        return self._policy or dp125_policy()

    @property
    def era(self) -> str:
        """The ESMEVariant era (A125-8: ``2020`` by default)."""
        return self._era or self.policy.default_era

    def scenarios(self) -> Iterator[Scenario]:
        """Every actor kind x device type x status, in a stable order."""
        variant = variant_catalogue().set(self.era).codes[0]
        for actor in ACTOR_KINDS:
            for device_type in DeviceType:
                for status in DeviceStatus:
                    yield Scenario(
                        params={
                            "actor": actor.kind,
                            "device_type": device_type.value,
                            "status": status.value,
                        },
                        subject=VariantChange(
                            actor=actor,
                            device_type=device_type,
                            status=status,
                            variant=variant,
                            era=self.era,
                        ),
                    )

    def _subject(self, scenario: Scenario) -> VariantChange:
        subject = scenario.subject
        if isinstance(subject, VariantChange):
            return subject
        params = scenario.as_dict()
        actor = next(a for a in ACTOR_KINDS if a.kind == params["actor"])
        return VariantChange(
            actor=actor,
            device_type=DeviceType.parse(str(params["device_type"])),
            status=DeviceStatus.parse(str(params["status"])),
            variant=str(params.get("variant", variant_catalogue().set(self.era).codes[0])),
            era=self.era,
        )

    def evaluate(self, scenario: Scenario, regime: Regime) -> Finding:
        """``accepted`` when every DP125 rule passes (or does not apply), else ``refused``."""
        ruleset = self.rulesets()[check_regime(regime)]
        findings = ruleset.evaluate(self._subject(scenario))
        clauses = tuple(c for f in findings for c in f.clauses)
        unique = tuple(dict.fromkeys(clauses))
        failed = [f for f in findings if f.outcome is Outcome.FAIL]
        if failed:
            return Finding(
                rule_id=failed[0].rule_id,
                outcome=Outcome.FAIL,
                message=failed[0].message,
                clauses=unique,
                label="refused",
            )
        actor = next(f for f in findings if f.rule_id == ACTOR_RULE)
        return Finding(
            rule_id=ACTOR_RULE,
            outcome=Outcome.PASS,
            message=actor.message,
            clauses=unique,
            label="accepted",
        )

    def in_scope(self, scenario: Scenario) -> bool:
        """ESME x Commissioned x a responsible Import Supplier sending."""
        subject = self._subject(scenario)
        return (
            subject.device_type is DeviceType.ESME
            and subject.status is DeviceStatus.COMMISSIONED
            and subject.actor.role is UserRole.IMPORT_SUPPLIER
            and subject.actor.responsible
        )

    def assumptions(self) -> tuple[Assumption, ...]:
        """A125-1..8 (all ``assumed``), then the inferred 2020 ESMEVariant set.

        The assumptions the grants cite (A125-4, A125-5) and A125-8 (the era) are stated from
        the table's ``[[baseline.grant]]``, ``[[proposed.grant]]`` and ``default_era`` data, so a
        user's table is reported with its own values.
        """
        catalogue = variant_catalogue()
        era_set = catalogue.set(self.era)
        return (
            *restate(self.policy.assumptions, self._derived()),
            Assumption(
                id=f"ESMEVariant-{era_set.name}",
                text=f"The {era_set.name!r} ESMEVariant set: {', '.join(era_set.codes)}.",
                provenance=era_set.provenance,
                source=era_set.source,
            ),
        )

    def _derived(self) -> list[Assumption]:
        policy = self.policy
        rows = {a.id: a for a in policy.assumptions}
        cited: dict[str, list[tuple[Regime, Grant]]] = {}
        regimes: tuple[tuple[Regime, tuple[Grant, ...]], ...] = (
            ("baseline", policy.baseline_grants),
            ("proposed", policy.proposed_grants),
        )
        for regime, grants in regimes:
            for grant in grants:
                cited.setdefault(grant.assumption, []).append((regime, grant))
        out = []
        for ident, items in cited.items():
            parts = []
            for regime in ("baseline", "proposed"):
                phrases = " or ".join(_grant_phrase(g) for r, g in items if r == regime)
                if not phrases:
                    continue
                if regime == "baseline":
                    parts.append(
                        "Baseline: SR 8.4 UpdateDeviceDetails may change ESMEVariant only if "
                        f"the sender is {phrases}"
                    )
                else:
                    parts.append(f"Proposed: as the baseline, plus {phrases}")
            keys = sorted({f"{r}.grant[]" for r, _ in items})
            row = rows[ident]  # the loader checks that every cited assumption has a row
            out.append(
                derived_assumption(
                    ident,
                    "; ".join(parts),
                    row.provenance,
                    table=policy.source,
                    key=", ".join(keys),
                    source=row.source,
                )
            )
        others = [name for name in variant_catalogue().sets if name != self.era]
        era_text = (
            f"The value must be in the era's set: {self.era} by default"
            + (f", {', '.join(others)} on request" if others else "")
            + ". The check is the same in both regimes"
        )
        row8 = rows["A125-8"]
        if self._era is None:
            out.append(
                derived_assumption(
                    "A125-8",
                    era_text,
                    row8.provenance,
                    table=policy.source,
                    key="default_era",
                    source=row8.source,
                )
            )
        else:
            out.append(
                Assumption(
                    "A125-8",
                    f"{era_text} (era {self._era} chosen by the caller; the table's default "
                    f"is {policy.default_era}).",
                    row8.provenance,
                    row8.source,
                )
            )
        return out

    def rulesets(self) -> Mapping[Regime, RuleSet]:
        """Baseline and the proposed set derived from it (A125-5 replaces the actor rule)."""
        return variant_rulesets(self.policy)


def _grant_phrase(grant: Grant) -> str:
    order = [s.value for s in DeviceStatus if s in grant.statuses]
    listed = order[0] if len(order) == 1 else ", ".join(order[:-1]) + " or " + order[-1]
    return f"the {grant.relation} {grant.role.title} while the status is {listed}"


MODEL = Dp125Model()
