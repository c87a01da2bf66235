"""Safe DUIS XML reading and checking: SR 12.2 DevicePrenotification, SR 8.4 UpdateInventory.

:func:`parse_request` reads a DUIS ``sr:Request`` with the standard library's Expat driven so
that any DTD, entity declaration or external reference is refused before expansion (no file or
socket is ever opened), then checks the element structure. :func:`check_request` adds field
checks, business rules and the SMI's ESMEVariant rules as findings with XML paths.
"""

from secrules.duis.check import DUIS_RULES, RequestContext, check_request, to_inventory_request
from secrules.duis.request import (
    DS_NS,
    SR_NS,
    Body,
    DeleteDevice,
    DevicePrenotification,
    DuisRequest,
    Header,
    OtherBody,
    ReadInventory,
    RequestId,
    SignatureInfo,
    Text,
    UpdateDeviceDetails,
    UpdateDeviceStatusCH,
    UpdateDeviceStatusExceptCH,
    UpdateInventory,
    UpdateMPxN,
    parse_request,
)
from secrules.duis.safexml import DEFAULT_MAX_BYTES, DTD_MESSAGE, parse_xml

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DS_NS",
    "DTD_MESSAGE",
    "DUIS_RULES",
    "SR_NS",
    "Body",
    "DeleteDevice",
    "DevicePrenotification",
    "DuisRequest",
    "Header",
    "OtherBody",
    "ReadInventory",
    "RequestContext",
    "RequestId",
    "SignatureInfo",
    "Text",
    "UpdateDeviceDetails",
    "UpdateDeviceStatusCH",
    "UpdateDeviceStatusExceptCH",
    "UpdateInventory",
    "UpdateMPxN",
    "check_request",
    "parse_request",
    "parse_xml",
    "to_inventory_request",
]
