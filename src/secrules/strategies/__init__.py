"""Public Hypothesis strategies for secrules' domain values, for users' own property tests.

Requires Hypothesis: install the extra with ``pip install 'secrules[strategies]'``. Without it,
importing this package raises :class:`~secrules.errors.MissingDependencyError` (an
:class:`ImportError`) saying so. Import what you need::

    from secrules.strategies import role_sets
"""

from __future__ import annotations

from secrules.errors import MissingDependencyError

try:
    import hypothesis as _hypothesis
except ModuleNotFoundError as exc:
    if exc.name != "hypothesis":
        raise
    raise MissingDependencyError(
        "secrules.strategies needs Hypothesis, which is not installed: "
        "pip install 'secrules[strategies]'",
        name="hypothesis",
    ) from None
del _hypothesis

from secrules.strategies.dlms import (
    access_requests,
    access_responses,
    bit_strings,
    cosem_dates,
    cosem_datetimes,
    cosem_times,
    dlms_values,
    obis_codes,
    schedule_entries,
)
from secrules.strategies.duis import (
    device_statuses,
    device_types,
    devices,
    duis_request_xml,
    esme_variants,
    euis,
    inventories,
    mutated_duis_xml,
)
from secrules.strategies.ecdsa import (
    p256_private_keys,
    p256_public_keys,
    plain_signatures,
    signed_gbcs_messages,
    signing_variants,
    unsigned_gbcs_messages,
)
from secrules.strategies.gbcs import gbcs_message_bytes, gbcs_messages
from secrules.strategies.hostile import (
    decoder_bombs,
    hostile_file_bodies,
    hostile_inputs,
    mutated,
    valid_payloads,
    wrong_types,
    xml_bombs,
)
from secrules.strategies.protection import ProtectedCase, encrypted_messages, macd_messages
from secrules.strategies.sec import regimes, role_sets, user_roles
from secrules.strategies.zigbee import gbz_alerts, gbz_components, gbz_payloads, zcl_headers

__all__ = [
    "ProtectedCase",
    "access_requests",
    "access_responses",
    "bit_strings",
    "cosem_dates",
    "cosem_datetimes",
    "cosem_times",
    "decoder_bombs",
    "device_statuses",
    "device_types",
    "devices",
    "dlms_values",
    "duis_request_xml",
    "encrypted_messages",
    "esme_variants",
    "euis",
    "gbcs_message_bytes",
    "gbcs_messages",
    "gbz_alerts",
    "gbz_components",
    "gbz_payloads",
    "hostile_file_bodies",
    "hostile_inputs",
    "inventories",
    "macd_messages",
    "mutated",
    "mutated_duis_xml",
    "obis_codes",
    "p256_private_keys",
    "p256_public_keys",
    "plain_signatures",
    "regimes",
    "role_sets",
    "schedule_entries",
    "signed_gbcs_messages",
    "signing_variants",
    "unsigned_gbcs_messages",
    "user_roles",
    "valid_payloads",
    "wrong_types",
    "xml_bombs",
    "zcl_headers",
]
