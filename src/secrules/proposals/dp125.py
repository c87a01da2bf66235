"""DP125 "Correcting the ESME variant" (Npower; SECAS paper to TABASC, 28 May 2020).

Problem (stated): the installing Supplier sent SR 12.2 with the wrong ``ESMEVariant`` and, once
the ESME is Commissioned, the gaining Supplier cannot correct it. The baseline is the SMI's own
ESMEVariant rules (:func:`secrules.inventory.variant_rules`: only the installing Import Supplier,
while Pending, Whitelisted or InstalledNotCommissioned; A125-4). The outcome of DP125 is unknown,
so its change is a named assumption (``data/dp125_policy.toml``, A125-5): an exception to
``inventory.variant-correction-actor`` by which the current Responsible Import Supplier may
correct the variant once the ESME is Commissioned.

Scenario space: 10 actor kinds x 8 device types x 9 statuses = 720 UpdateDeviceDetails requests,
each carrying a valid ESMEVariant. Baseline accepts 6, proposed 8; exactly 2 change.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import ClassVar

import attrs

from secrules.core.clauses import ClauseRef
from secrules.core.data import TableSource, load_table
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
from secrules.core.rules import ALL_MUST_PASS, Rule, RuleSet
from secrules.core.sources import data_file
from secrules.errors import InvalidValueError
from secrules.inventory import (
    ACTOR_RULE,
    Actor,
    DeviceStatus,
    DeviceType,
    Grant,
    VariantChange,
    VariantPolicy,
    read_grants,
    variant_catalogue,
    variant_policy,
    variant_rules,
)
from secrules.proposals import MODEL_SUMMARIES
from secrules.sec import UserRole

__all__ = [
    "ACTOR_KINDS",
    "EXCEPTION_RULE",
    "Dp125Model",
    "Dp125Policy",
    "dp125_policy",
    "load_dp125_policy",
]

#: The rule DP125 adds: an exception to ``inventory.variant-correction-actor`` (A125-5).
EXCEPTION_RULE = "dp125.responsible-supplier-correction"

_TABLE = "dp125_policy.toml"

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


@attrs.frozen
class Dp125Policy:
    """What DP125 changes, as read from one table: its grants (A125-5) and the default era."""

    assumptions: tuple[Assumption, ...]
    grants: tuple[Grant, ...]
    default_era: str
    file: str
    #: The table file and its SHA-256 (None for a policy built in code).
    source: TableSource | None = attrs.field(default=None, eq=False)

    def clause(self, ident: str) -> ClauseRef:
        """A ClauseRef citing assumption ``ident`` of this policy file."""
        for item in self.assumptions:
            if item.id == ident:
                return ClauseRef(
                    document=f"DP125 model ({_TABLE})",
                    clause=ident,
                    version="paper of 28 May 2020",
                    provenance=item.provenance,
                    note=item.text,
                )
        raise InvalidValueError(f"no DP125 assumption {ident!r} in {self.file}")


def load_dp125_policy(source: str | os.PathLike[str] | None = None) -> Dp125Policy:
    """Read ``dp125_policy.toml`` (or a user's copy in the same schema)."""
    table = load_table(source, default=_TABLE)
    assumptions = read_assumptions(table)
    known = {a.id for a in assumptions}
    missing = sorted({"A125-5", "A125-8"} - known)
    if missing:
        raise table.error(f"missing assumptions {missing}", "assumption")
    default_era = table.text("default_era")
    try:
        variant_catalogue().set(default_era)
    except InvalidValueError as exc:
        raise table.error(str(exc), "default_era") from None
    return Dp125Policy(
        assumptions=assumptions,
        grants=read_grants(table.tables("grant"), known),
        default_era=default_era,
        file=table.file,
        source=table.source,
    )


@functools.cache
def dp125_policy() -> Dp125Policy:
    """The bundled DP125 policy (read once)."""
    return load_dp125_policy(None)


def _exception(policy: Dp125Policy, base: Rule[VariantChange]) -> Rule[VariantChange]:
    grants = policy.grants
    cited = [policy.clause(a) for a in dict.fromkeys(g.assumption for g in grants)]

    def applies(change: VariantChange) -> bool:
        return any(g.allows(change) for g in grants)

    def fn(change: VariantChange) -> Verdict:
        # ``when`` chose this change, so one of the grants covers it.
        return next(g.permits(change) for g in grants if g.allows(change))

    listed = "; ".join(g.describe() for g in grants)
    return Rule(
        id=EXCEPTION_RULE,
        title="DP125: the Responsible IS may correct a Commissioned ESME's ESMEVariant",
        clauses=(*cited, *base.clauses),
        fn=fn,
        data_files=(data_file(policy.source, _TABLE), *base.data_files),
        text=f"Exception to {base.id}: SR 8.4 UpdateDeviceDetails may also change ESMEVariant "
        f"if the sender is {listed}.",
        exception_to=base.id,
        when=applies,
    )


class Dp125Model(ProposalModel[VariantChange]):
    """Who may correct an ESME's ESMEVariant with SR 8.4, baseline against proposed."""

    summary: ClassVar[str] = MODEL_SUMMARIES["DP125"]
    scope: ClassVar[str] = (
        "An ESME in status Commissioned whose ESMEVariant is corrected by its current "
        "Responsible Import Supplier (whether or not it also installed the meter)."
    )
    regimes: ClassVar[Mapping[Regime, str]] = MappingProxyType(
        {
            Regime.BASELINE: "Assumption A125-4: only the installing Import Supplier may change "
            "ESMEVariant, and only while the ESME is Pending, Whitelisted or "
            "InstalledNotCommissioned.",
            Regime.PROPOSED: "Assumption A125-5: as the baseline, plus the current Responsible "
            "Import Supplier may change it once the ESME is Commissioned.",
        }
    )
    combine = ALL_MUST_PASS
    labels: ClassVar[Mapping[Outcome, str]] = MappingProxyType(
        {Outcome.PASS: "accepted", Outcome.FAIL: "refused"}
    )

    field_names: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "actor": "Sender of the request",
            "device_type": "Device type",
            "status": "Device status in the SMI",
        }
    )

    #: What DP125 changes; a user may pass their own copy.
    table_name: ClassVar[str] = _TABLE

    def __init__(
        self,
        policy: Dp125Policy | None = None,
        *,
        era: str | None = None,
        smi: VariantPolicy | None = None,
    ) -> None:
        self._policy = policy
        self._era = era
        self._smi = smi

    def with_table(self, path: str | os.PathLike[str]) -> Dp125Model:
        """The same model on the user's copy of ``dp125_policy.toml`` at ``path``."""
        return Dp125Model(load_dp125_policy(path), era=self._era, smi=self._smi)

    def with_baseline_statuses(self, statuses: Iterable[DeviceStatus]) -> Dp125Model:
        """The model whose baseline grants (A125-4) hold in ``statuses`` instead."""
        chosen = frozenset(statuses)
        smi = self.smi_policy
        grants = tuple(
            attrs.evolve(g, statuses=chosen) if g.assumption == "A125-4" else g for g in smi.grants
        )
        return Dp125Model(self._policy, era=self._era, smi=attrs.evolve(smi, grants=grants))

    def variations(self) -> Iterator[Variation]:
        """A125-4: the statuses the installing supplier may correct in; A125-8: the era."""
        before = (DeviceStatus.PENDING, DeviceStatus.WHITELISTED)
        options = {
            "Pending only": before[:1],
            "Pending, Whitelisted": before,
            "Pending, Whitelisted, InstalledNotCommissioned (as modelled)": (
                *before,
                DeviceStatus.INSTALLED_NOT_COMMISSIONED,
            ),
            "also Commissioned": (
                *before,
                DeviceStatus.INSTALLED_NOT_COMMISSIONED,
                DeviceStatus.COMMISSIONED,
            ),
        }
        for label, statuses in options.items():
            yield Variation(
                "A125-4", label, functools.partial(self.with_baseline_statuses, statuses)
            )
        for name in variant_catalogue().sets:
            yield Variation(
                "A125-8",
                f"{name}{' (as modelled)' if name == self.era else ''}",
                functools.partial(Dp125Model, self._policy, era=name, smi=self._smi),
            )

    @property
    def table_source(self) -> TableSource | None:
        """The DP125 policy table in use (bundled or the user's) and its SHA-256."""
        return self.policy.source

    @property
    def policy(self) -> Dp125Policy:
        """The DP125 policy table in use (the bundled one by default)."""
        return self._policy or dp125_policy()

    @property
    def smi_policy(self) -> VariantPolicy:
        """The SMI's own table the baseline rules come from (or an alternative to A125-4)."""
        return self._smi or variant_policy()

    @property
    def era(self) -> str:
        """The ESMEVariant era (A125-8: ``2020`` by default)."""
        return self._era or self.policy.default_era

    def baseline(self) -> RuleSet[VariantChange]:
        """The SMI's ESMEVariant rules (``inventory.*``), as at the paper's date."""
        return variant_rules(self.smi_policy)

    def reform(self, baseline: RuleSet[VariantChange]) -> RuleSet[VariantChange]:
        """``baseline`` plus the A125-5 exception to its actor rule."""
        return baseline.derive("dp125", add=[_exception(self.policy, baseline.rule(ACTOR_RULE))])

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

    def subject(self, scenario: Scenario) -> VariantChange:
        """The request of ``scenario`` (built from its params when it carries no subject)."""
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

    def in_scope(self, scenario: Scenario) -> bool:
        """ESME x Commissioned x a responsible Import Supplier sending."""
        subject = self.subject(scenario)
        return (
            subject.device_type is DeviceType.ESME
            and subject.status is DeviceStatus.COMMISSIONED
            and subject.actor.role is UserRole.IMPORT_SUPPLIER
            and subject.actor.responsible
        )

    def assumptions(self) -> tuple[Assumption, ...]:
        """A125-1..8 (all ``assumed``), then the ESMEVariant set of the era.

        The assumptions the grants cite (A125-4 from the SMI's table, A125-5 from DP125's) and
        A125-8 (the era) are stated from the tables' data, so a user's table is reported with
        its own values.
        """
        era_set = variant_catalogue().set(self.era)
        rows = (*self.smi_policy.assumptions, *self.policy.assumptions)
        return (
            *restate(rows, self._derived(rows)),
            Assumption(
                id=f"ESMEVariant-{era_set.name}",
                text=f"The {era_set.name!r} ESMEVariant set: {', '.join(era_set.codes)}.",
                provenance=era_set.provenance,
                source=era_set.source,
            ),
        )

    def _derived(self, rows: tuple[Assumption, ...]) -> list[Assumption]:
        by_id = {a.id: a for a in rows}
        out = []
        smi = self.smi_policy
        for grants, table, lead in (
            (
                smi.grants,
                smi.source,
                (
                    "Baseline: SR 8.4 UpdateDeviceDetails may change ESMEVariant only if the "
                    "sender is "
                ),
            ),
            (self.policy.grants, self.policy.source, "Proposed: as the baseline, plus "),
        ):
            cited: dict[str, list[Grant]] = {}
            for grant in grants:
                cited.setdefault(grant.assumption, []).append(grant)
            for ident, items in cited.items():
                row = by_id[ident]  # the loaders check that every cited assumption has a row
                out.append(
                    derived_assumption(
                        ident,
                        lead + " or ".join(_grant_phrase(g) for g in items),
                        row.provenance,
                        table=table,
                        key="grant[]",
                        source=row.source,
                    )
                )
        others = [name for name in variant_catalogue().sets if name != self.era]
        era_text = (
            f"The value must be in the era's set: {self.era} by default"
            + (f", {', '.join(others)} on request" if others else "")
            + ". The check is the same in both regimes"
        )
        row8 = by_id["A125-8"]
        if self._era is None:
            out.append(
                derived_assumption(
                    "A125-8",
                    era_text,
                    row8.provenance,
                    table=self.policy.source,
                    key="default_era",
                    source=row8.source,
                )
            )
        else:
            out.append(
                Assumption(
                    "A125-8",
                    f"{era_text} (era {self._era} chosen by the caller; the table's default "
                    f"is {self.policy.default_era}).",
                    row8.provenance,
                    row8.source,
                )
            )
        return out


def _grant_phrase(grant: Grant) -> str:
    order = [s.value for s in DeviceStatus if s in grant.statuses]
    listed = order[0] if len(order) == 1 else ", ".join(order[:-1]) + " or " + order[-1]
    return f"the {grant.relation} {grant.role.title} while the status is {listed}"
