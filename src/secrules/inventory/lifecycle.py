"""The SMI lifecycle as data: transitions, status-guarded updates and access control.

Read from ``data/smi_lifecycle.toml`` (one row per transition, each with its mark); a user may
pass their own copy in the same schema. Most sources of transitions are inferred, the access
rule is assumed: the DUIS status x Service Request table and eligibility matrix are not public.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.data import TableReader, load_table
from secrules.errors import InvalidValueError
from secrules.inventory.types import DeviceStatus, DeviceType
from secrules.sec import UserRole

__all__ = [
    "ABSENT",
    "PRIOR",
    "REMOVED",
    "AccessPolicy",
    "Lifecycle",
    "StatusUpdate",
    "Transition",
    "load_lifecycle",
    "smi_lifecycle",
]

ABSENT = "absent"
PRIOR = "prior"
REMOVED = "removed"


@attrs.frozen
class Transition:
    """One row of the lifecycle table: ``operation`` moves ``sources`` to one of ``targets``."""

    id: str
    operation: str
    sources: frozenset[DeviceStatus | str]
    targets: tuple[DeviceStatus | str, ...]
    trigger: str
    by: str
    device_types: frozenset[DeviceType]
    mark: str
    source: str
    provenance: Provenance

    @property
    def by_user(self) -> bool:
        """True for a User's Service Request (``U``), False for the DCC itself (``D``)."""
        return self.by == "U"

    def clause(self) -> ClauseRef:
        """The clause reference a finding about this transition cites."""
        return ClauseRef(
            document="SMI lifecycle (smi_lifecycle.toml)",
            clause=f"{self.id} {self.trigger}",
            version="DUIS V5.0-V5.4",
            provenance=self.provenance,
            note=f"mark: {self.mark}; source: {self.source}",
        )


@attrs.frozen
class StatusUpdate:
    """A request that changes a record but not its status, and the statuses that allow it."""

    operation: str
    statuses: frozenset[DeviceStatus]
    trigger: str
    source: str
    provenance: Provenance

    def clause(self) -> ClauseRef:
        """The clause reference a finding about this update cites."""
        return ClauseRef(
            document="SMI lifecycle (smi_lifecycle.toml)",
            clause=self.trigger,
            version="DUIS V5.0-V5.4",
            provenance=self.provenance,
            note=self.source,
        )


@attrs.frozen
class AccessPolicy:
    """Who may send the Users' inventory requests (assumed; eligibility matrix not public)."""

    import_supplier_types: frozenset[DeviceType]
    gas_supplier_types: frozenset[DeviceType]
    installing_statuses: frozenset[DeviceStatus]
    rule: str
    source: str
    provenance: Provenance

    def supplier_roles(self, device_type: DeviceType) -> frozenset[UserRole]:
        """The supplier roles that may send requests about a device of ``device_type``."""
        roles: set[UserRole] = set()
        if device_type in self.import_supplier_types:
            roles.add(UserRole.IMPORT_SUPPLIER)
        if device_type in self.gas_supplier_types:
            roles.add(UserRole.GAS_SUPPLIER)
        return frozenset(roles)

    def permits(
        self,
        role: UserRole,
        device_type: DeviceType,
        status: DeviceStatus | None,
        *,
        installing: bool,
        responsible: bool,
    ) -> bool:
        """True if a User in ``role`` with this relation to the device passes access control.

        ``status`` None means the device is not yet in the SMI (SR 12.2): any supplier of the
        right fuel passes.
        """
        if role not in self.supplier_roles(device_type):
            return False
        if status is None:
            return True
        return responsible or (installing and status in self.installing_statuses)

    def clause(self) -> ClauseRef:
        """The clause reference a finding about access control cites."""
        return ClauseRef(
            document="SMI access model (smi_lifecycle.toml [access])",
            clause="DUIS eligibility for SR 12.2 / SR 8.4",
            version="DUIS V5.0-V5.4",
            provenance=self.provenance,
            note=self.rule,
        )


@attrs.frozen
class Lifecycle:
    """Every transition and status-guarded update, and the access policy."""

    transitions: tuple[Transition, ...]
    updates: Mapping[str, StatusUpdate]
    access: AccessPolicy
    terminal: frozenset[DeviceStatus]
    file: str

    def transitions_for(self, operation: str) -> tuple[Transition, ...]:
        """The rows that perform ``operation``; InvalidValueError if none does."""
        rows = tuple(t for t in self.transitions if t.operation == operation)
        if not rows:
            raise InvalidValueError(f"no lifecycle transition performs {operation!r}")
        return rows

    def find(
        self,
        operation: str,
        source: DeviceStatus | str,
        device_type: DeviceType,
        target: DeviceStatus | None = None,
    ) -> Transition | None:
        """The transition ``operation`` from ``source`` (to ``target`` if given), or None."""
        for row in self.transitions_for(operation):
            if source not in row.sources or device_type not in row.device_types:
                continue
            if target is not None and target not in row.targets:
                continue
            return row
        return None

    def update(self, operation: str) -> StatusUpdate:
        """The status-guarded update ``operation``; InvalidValueError if unknown."""
        found = self.updates.get(operation)
        if found is None:
            raise InvalidValueError(f"no status-guarded update named {operation!r}")
        return found


def _status_or(
    token: str, row: TableReader, key: str, extra: tuple[str, ...]
) -> DeviceStatus | str:
    if token in extra:
        return token
    try:
        return DeviceStatus.parse(token)
    except InvalidValueError as exc:
        raise row.error(str(exc), key) from None


def _statuses(row: TableReader, key: str) -> frozenset[DeviceStatus]:
    out = set()
    for token in row.texts(key, allow_empty=False):
        status = _status_or(token, row, key, ())
        assert isinstance(status, DeviceStatus)  # noqa: S101 - _status_or with no extras
        out.add(status)
    return frozenset(out)


def _types(row: TableReader, key: str) -> frozenset[DeviceType]:
    try:
        return frozenset(DeviceType.parse(t) for t in row.texts(key, allow_empty=False))
    except InvalidValueError as exc:
        raise row.error(str(exc), key) from None


def load_lifecycle(source: str | os.PathLike[str] | None = None) -> Lifecycle:
    """Read ``smi_lifecycle.toml`` (or a user's copy in the same schema)."""
    table = load_table(source, default="smi_lifecycle.toml")
    terminal: set[DeviceStatus] = set()
    seen_status: set[DeviceStatus] = set()
    for row in table.tables("status"):
        status = _status_or(row.text("name"), row, "name", ())
        assert isinstance(status, DeviceStatus)  # noqa: S101 - _status_or with no extras
        row.provenance()
        row.text("source")
        seen_status.add(status)
        if row.flag("terminal"):
            terminal.add(status)
    if seen_status != set(DeviceStatus):
        raise table.error("every one of the nine DeviceStatus values needs a row", "status")
    transitions = []
    ids: set[str] = set()
    for row in table.tables("transition"):
        tid = row.text("id")
        if tid in ids:
            raise row.error(f"duplicate transition id {tid!r}", "id")
        ids.add(tid)
        sources = frozenset(
            _status_or(t, row, "from", (ABSENT,)) for t in row.texts("from", allow_empty=False)
        )
        raw_to = row.raw("to")
        to_tokens = [raw_to] if isinstance(raw_to, str) else row.texts("to", allow_empty=False)
        targets = tuple(_status_or(str(t), row, "to", (PRIOR, REMOVED)) for t in to_tokens)
        by = row.choice("by", ("U", "D"))
        types = _types(row, "device_types") if "device_types" in row else frozenset(DeviceType)
        transitions.append(
            Transition(
                id=tid,
                operation=row.text("operation"),
                sources=sources,
                targets=targets,
                trigger=row.text("trigger"),
                by=by,
                device_types=types,
                mark=row.text("mark"),
                source=row.text("source"),
                provenance=row.provenance(),
            )
        )
    updates: dict[str, StatusUpdate] = {}
    for row in table.tables("update", allow_empty=True) if "update" in table else []:
        op = row.text("operation")
        updates[op] = StatusUpdate(
            operation=op,
            statuses=_statuses(row, "statuses"),
            trigger=row.text("trigger"),
            source=row.text("source"),
            provenance=row.provenance(),
        )
    acc = table.table("access")
    access = AccessPolicy(
        import_supplier_types=_types(acc, "import_supplier_device_types"),
        gas_supplier_types=_types(acc, "gas_supplier_device_types"),
        installing_statuses=_statuses(acc, "installing_supplier_statuses"),
        rule=acc.text("rule"),
        source=acc.text("source"),
        provenance=acc.provenance(),
    )
    return Lifecycle(
        transitions=tuple(transitions),
        updates=MappingProxyType(updates),
        access=access,
        terminal=frozenset(terminal),
        file=table.file,
    )


@functools.cache
def smi_lifecycle() -> Lifecycle:
    """The bundled lifecycle (read once)."""
    return load_lifecycle(None)
