"""Hypothesis strategies for MAC'd and encrypted GBCS messages built with known keys.

Each draws a :class:`ProtectedCase`: a message whose MAC (and encrypted content) was made with
fresh P-256 Key Agreement keys, and a :class:`~secrules.gbcs.MemoryKeyStore` holding exactly
the keys a checker needs, so that ``gbcs.mac`` and ``gbcs.decrypt`` PASS on the message as
drawn and a single changed bit makes them FAIL::

    from hypothesis import given
    from secrules.gbcs import verify_mac
    from secrules.strategies import macd_messages

    @given(macd_messages())
    def test_mac_verifies(case):
        assert verify_mac(case.message, case.keystore, acb=case.acb).outcome.name == "PASS"
"""

from __future__ import annotations

import attrs
from hypothesis import strategies as st

from secrules.dlms.access import AccessKind, AccessResponse, ResponseSpec
from secrules.dlms.data import Array, Enum, OctetString, Structure
from secrules.gbcs import CraFlag, Eui64, GbcsMessage, MemoryKeyStore, MessageShape, add_mac
from secrules.gbcs.keystore import KeyUsage
from secrules.gbcs.protection import ACB_ROLE, encrypt_for
from secrules.strategies.dlms import dlms_values
from secrules.strategies.ecdsa import p256_private_keys
from secrules.strategies.gbcs import eui64s, gbcs_messages

__all__ = ["ProtectedCase", "encrypted_messages", "macd_messages"]

_SUPPLIER_ROLE = 0x02


@attrs.frozen
class ProtectedCase:
    """A protected message, the key store that checks it, and what was protected.

    ``acb`` is the Access Control Broker to pass as ``acb=`` (None: the store identifies it by
    its role-04 certificate); ``plaintexts`` are the plaintexts of the encrypted blocks, in
    payload order (empty for a message with no encrypted content).
    """

    message: GbcsMessage
    keystore: MemoryKeyStore = attrs.field(eq=False)
    acb: Eui64 | None = None
    plaintexts: tuple[bytes, ...] = ()


@st.composite
def macd_messages(draw: st.DrawFn, *, max_content: int = 200) -> ProtectedCase:
    """A MAC'd message of any CRA flag with a valid MAC, and the key store that verifies it.

    Commands are MAC'd with an Access Control Broker's KA key (given explicitly or left to the
    store's role-04 certificate); Responses and Alerts with the originator's.
    """
    base = draw(gbcs_messages(shapes=[MessageShape.MACD], max_content=max_content))
    originator, recipient, acb = draw(st.lists(eui64s(), min_size=3, max_size=3, unique=True))
    message = attrs.evolve(base, originator=originator, recipient=recipient, invocation_counter=0)
    store = MemoryKeyStore(label="drawn keys")
    recipient_key = draw(p256_private_keys())
    explicit = False
    if message.cra_flag is CraFlag.COMMAND:
        acb_key = draw(p256_private_keys())
        explicit = draw(st.booleans())
        store.add_key(
            acb, acb_key, usage=KeyUsage.KEY_AGREEMENT, role=None if explicit else ACB_ROLE
        )
        store.add_key(
            recipient, recipient_key.public_key(), usage=KeyUsage.KEY_AGREEMENT, device=True
        )
        protected = add_mac(message, acb_key, recipient_key.public_key())
    else:
        originator_key = draw(p256_private_keys())
        store.add_key(
            originator, originator_key.public_key(), usage=KeyUsage.KEY_AGREEMENT, device=True
        )
        store.add_key(recipient, recipient_key, usage=KeyUsage.KEY_AGREEMENT, role=_SUPPLIER_ROLE)
        protected = add_mac(message, originator_key, recipient_key.public_key())
    return ProtectedCase(protected, store, acb if explicit else None)


@st.composite
def encrypted_messages(draw: st.DrawFn, *, max_blocks: int = 3) -> ProtectedCase:
    """A MAC'd Response from a device whose DLMS payload carries encrypted blocks.

    The payload is an ACCESS.response whose data items are get-protected-attributes results
    (protection parameters, then an octet string holding ``31``, a zero counter, AES-128-GCM
    ciphertext and its 12-octet tag) of drawn A-XDR Data plaintexts. Half the time the
    other-information carries a supplementary remote-party id and originator counter, which
    then key the encryption.
    """
    device, party, other = draw(st.lists(eui64s(), min_size=3, max_size=3, unique=True))
    device_key, party_key, other_key = (draw(p256_private_keys()) for _ in range(3))
    counter = draw(st.integers(0, 2**64 - 1))
    supplementary = draw(st.booleans())
    addressee, key_counter = party, counter
    extras: dict[str, object] = {}
    if supplementary:
        addressee, key_counter = other, draw(st.integers(0, 2**64 - 1))
        extras = {
            "supplementary_remote_party_id": other,
            "supplementary_remote_party_counter": draw(st.integers(0, 2**64 - 1)),
            "supplementary_originator_counter": key_counter,
        }
    addressee_key = other_key if supplementary else party_key
    plaintexts = tuple(
        value.encode()
        for value in draw(st.lists(dlms_values(max_leaves=6), min_size=1, max_size=max_blocks))
    )
    parameters = Array((Structure((Enum(2),)),))
    items = tuple(
        Structure(
            (
                parameters,
                OctetString(
                    encrypt_for(
                        plaintext,
                        originator=device,
                        counter=key_counter,
                        recipient=addressee,
                        private_key=device_key,
                        peer=addressee_key.public_key(),
                    )
                ),
            )
        )
        for plaintext in plaintexts
    )
    response = AccessResponse(
        invoke_id=draw(st.integers(0, 2**32 - 1)),
        data=items,
        results=tuple(ResponseSpec(AccessKind.ACTION, 0) for _ in items),
    )
    message = GbcsMessage(
        shape=MessageShape.MACD,
        cra_flag=CraFlag.RESPONSE,
        counter=counter,
        originator=device,
        recipient=party,
        message_code=0x0060,  # ECS66, a response RTDS carries encrypted
        content=response.encode(),
        mac=bytes(12),
        **extras,  # type: ignore[arg-type]
    )
    store = MemoryKeyStore(label="drawn keys")
    store.add_key(device, device_key.public_key(), usage=KeyUsage.KEY_AGREEMENT, device=True)
    store.add_key(party, party_key, usage=KeyUsage.KEY_AGREEMENT, role=_SUPPLIER_ROLE)
    if supplementary:
        store.add_key(other, other_key, usage=KeyUsage.KEY_AGREEMENT, role=_SUPPLIER_ROLE)
    protected = add_mac(message, device_key, party_key.public_key())
    return ProtectedCase(protected, store, None, plaintexts)
