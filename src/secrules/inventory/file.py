"""An inventory file: the devices a DUIS request is judged against, in TOML.

``secrules check --inventory FILE --sender ROLE`` reads one (so does :func:`load_inventory`).
Each ``[[device]]`` is one SMI record; the DUIS XML of an SR 8.4 update carries only the Device
ID, so the device's type and status, and the supplier relations that decide who may correct its
ESMEVariant (named assumptions A125-1 and A125-2), come from here::

    [[device]]
    id = "00-DB-12-34-56-78-90-C1"          # Device ID (EUI-64)
    type = "ESME"                           # DUIS DeviceType
    status = "Commissioned"                 # DUIS DeviceStatus
    esme_variant = "A"                      # ESME only
    responsible_supplier = "90-B3-D5-1F-30-01-00-07"   # User ID (EUI-64)
    installing_supplier = "90-B3-D5-1F-30-01-00-99"    # User ID (EUI-64)

``id``, ``type`` and ``status`` are required; ``esme_variant``, ``manufacturer``, ``model``,
``firmware_version``, ``smets_chts_version``, ``responsible_supplier`` and
``installing_supplier`` are optional. Any other key is an error (a misspelt key would otherwise
be silently ignored). Every error is a :class:`~secrules.errors.DataFileError` naming the file
and the key (``device[2].status``).
"""

from __future__ import annotations

import os

from secrules.core.data import TableReader, load_table
from secrules.errors import InvalidValueError
from secrules.inventory.model import Device, Inventory
from secrules.inventory.types import DeviceStatus, DeviceType, EsmeVariant, normalise_eui

__all__ = ["INVENTORY_KEYS", "load_inventory"]

#: The keys a ``[[device]]`` entry may hold; the first three are required.
INVENTORY_KEYS = (
    "id",
    "type",
    "status",
    "esme_variant",
    "manufacturer",
    "model",
    "firmware_version",
    "smets_chts_version",
    "responsible_supplier",
    "installing_supplier",
)
_SUPPLIER_KEYS = ("responsible_supplier", "installing_supplier")


def load_inventory(path: str | os.PathLike[str]) -> Inventory:
    """The :class:`Inventory` described by the TOML file ``path`` (format: this module's doc).

    Raises :class:`DataFileError` naming the file and key for an unreadable file, a missing or
    unknown key, a value that is not a Device ID, device type, status, ESMEVariant or User ID,
    a device listed twice, and an ESMEVariant on a device that is not an ESME.
    """
    table = load_table(path, default="", what="inventory")
    unknown = sorted(set(table.keys()) - {"device"})
    if unknown:
        raise table.error("unknown key; an inventory file holds [[device]] entries", unknown[0])
    entries = table.tables("device", allow_empty=True) if "device" in table else []
    devices: dict[str, Device] = {}
    for entry in entries:
        device = _device(entry)
        if device.device_id in devices:
            raise entry.error(f"device {device.device_id} is listed twice", "id")
        devices[device.device_id] = device
    return Inventory(devices)


def _device(entry: TableReader) -> Device:
    unknown = sorted(set(entry.keys()) - set(INVENTORY_KEYS))
    if unknown:
        raise entry.error(f"unknown key; expected one of {', '.join(INVENTORY_KEYS)}", unknown[0])
    try:
        device_id = normalise_eui(entry.text("id"))
    except InvalidValueError as exc:
        raise entry.error(str(exc), "id") from None
    try:
        device_type = DeviceType.parse(entry.text("type"))
    except InvalidValueError as exc:
        raise entry.error(str(exc), "type") from None
    try:
        status = DeviceStatus.parse(entry.text("status"))
    except InvalidValueError as exc:
        raise entry.error(str(exc), "status") from None
    variant = None
    if "esme_variant" in entry:
        if device_type is not DeviceType.ESME:
            raise entry.error(f"only an ESME has an ESMEVariant, not a {device_type.value}")
        try:
            variant = EsmeVariant.parse(entry.text("esme_variant"))
        except InvalidValueError as exc:
            raise entry.error(str(exc), "esme_variant") from None
    suppliers: dict[str, str | None] = {}
    for key in _SUPPLIER_KEYS:
        suppliers[key] = None
        if key in entry:
            try:
                suppliers[key] = normalise_eui(entry.text(key))
            except InvalidValueError as exc:
                raise entry.error(f"{exc} (a User ID)", key) from None
    try:
        return Device(
            device_id,
            device_type,
            status,
            manufacturer=entry.text("manufacturer", default=""),
            model=entry.text("model", default=""),
            firmware_version=_optional(entry, "firmware_version"),
            smets_chts_version=_optional(entry, "smets_chts_version"),
            esme_variant=variant,
            installing_supplier=suppliers["installing_supplier"],
            responsible_supplier=suppliers["responsible_supplier"],
            history=(status,),
        )
    except InvalidValueError as exc:  # pragma: no cover - every value was checked above
        raise entry.error(str(exc)) from None


def _optional(entry: TableReader, key: str) -> str | None:
    return entry.text(key) if key in entry else None
