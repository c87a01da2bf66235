"""Encoding a GBCS message: its fields, written with the declaration in :mod:`.layout`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from secrules.gbcs.layout import build_layout
from secrules.gbcs.types import MessageShape

if TYPE_CHECKING:
    from secrules.gbcs.message import GbcsMessage

__all__ = ["build_message"]


def build_message(message: GbcsMessage) -> bytes:
    """The wire bytes of ``message`` in its shape, every length in its minimal form."""
    rp_id = message.supplementary_remote_party_id
    apdu: dict[str, Any] = {
        "cra_flag": int(message.cra_flag),
        "originator_counter": message.counter,
        "originator_system_title": message.originator.octets,
        "recipient_system_title": message.recipient.octets,
        "date_time": message.date_time,
        "other_information": {
            "message_code": message.message_code,
            "supplementary_remote_party_id": None if rp_id is None else rp_id.octets,
            "supplementary_remote_party_counter": message.supplementary_remote_party_counter,
            "supplementary_originator_counter": message.supplementary_originator_counter,
            "ka_certificate": message.ka_certificate,
        },
        "content": message.content,
        # No field at all for a pre-command; a zero length for an unsigned APDU.
        "signature": (
            None if message.shape is MessageShape.PRE_COMMAND else message.signature or b""
        ),
    }
    if message.shape is not MessageShape.MACD:
        return build_layout({"apdu": apdu})
    return build_layout(
        {
            "mac_header": {
                "security_control": message.security_control,
                "invocation_counter": message.invocation_counter,
            },
            "apdu": apdu,
            "mac": message.mac,
        }
    )
