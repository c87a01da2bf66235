"""Hypothesis strategies for GBCS messages (all four wire shapes) and their parts.

``gbcs_messages()`` draws :class:`~secrules.gbcs.GbcsMessage` records that encode and re-parse
exactly; use them to test your own GBCS tooling against ``secrules.gbcs``::

    from hypothesis import given
    from secrules.gbcs import encode_message, parse_message
    from secrules.strategies import gbcs_messages

    @given(gbcs_messages())
    def test_round_trip(msg):
        assert parse_message(encode_message(msg)) == msg
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from secrules.gbcs import MAC_LENGTH, SIGNATURE_LENGTH, CraFlag, Eui64, GbcsMessage, MessageShape
from secrules.gbcs.message_codes import message_code_table

__all__ = ["cra_flags", "eui64s", "gbcs_message_bytes", "gbcs_messages", "message_codes"]


def eui64s() -> st.SearchStrategy[Eui64]:
    """Draw any EUI-64 (8 octets)."""
    return st.binary(min_size=8, max_size=8).map(Eui64)


def cra_flags() -> st.SearchStrategy[CraFlag]:
    """Draw Command, Response or Alert."""
    return st.sampled_from(list(CraFlag))


def message_codes(*, tabled_only: bool = False) -> st.SearchStrategy[int]:
    """Draw a message code: mostly one from the bundled table, else any 16-bit value."""
    tabled = st.sampled_from(sorted(message_code_table().codes))
    if tabled_only:
        return tabled
    return st.one_of(tabled, st.integers(0, 0xFFFF))


def _lengthy_binary(max_size: int) -> st.SearchStrategy[bytes]:
    # Short bodies most of the time, but sometimes long enough for the 81 and 82 length forms.
    return st.one_of(
        st.binary(max_size=min(max_size, 40)),
        st.integers(0, max_size).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
    )


@st.composite
def gbcs_messages(
    draw: st.DrawFn,
    *,
    shapes: Sequence[MessageShape] | None = None,
    max_content: int = 400,
) -> GbcsMessage:
    """Draw a valid :class:`GbcsMessage` in one of ``shapes`` (default: all four).

    Every optional field is exercised: date-time present or absent, the other-information forms
    of body length 2, 10, 18, 26 and more than 26 (a KA certificate), content long enough for
    ``81``/``82`` lengths, signatures, MACs and invocation counters.
    """
    shape = draw(st.sampled_from(list(shapes) if shapes else list(MessageShape)))
    oi_form = draw(st.sampled_from(("code", "rp_id", "rp_counter", "orig_counter", "cert")))
    rp_id = draw(eui64s()) if oi_form != "code" else None
    rp_counter = draw(st.integers(0, 2**64 - 1)) if oi_form not in ("code", "rp_id") else None
    orig_counter = draw(st.integers(0, 2**64 - 1)) if oi_form == "orig_counter" else None
    cert = (
        draw(st.binary(min_size=9, max_size=300).filter(lambda b: len(b) > 8))
        if oi_form == "cert"
        else None
    )
    signature: bytes | None = None
    if shape is MessageShape.SIGNED_APDU or (shape is MessageShape.MACD and draw(st.booleans())):
        signature = draw(st.binary(min_size=SIGNATURE_LENGTH, max_size=SIGNATURE_LENGTH))
    macd = shape is MessageShape.MACD
    return GbcsMessage(
        shape=shape,
        cra_flag=draw(cra_flags()),
        counter=draw(st.integers(0, 2**64 - 1)),
        originator=draw(eui64s()),
        recipient=draw(eui64s()),
        message_code=draw(message_codes()),
        content=draw(_lengthy_binary(max_content)),
        signature=signature,
        mac=draw(st.binary(min_size=MAC_LENGTH, max_size=MAC_LENGTH)) if macd else None,
        date_time=draw(st.none() | st.binary(min_size=12, max_size=12)),
        supplementary_remote_party_id=rp_id,
        supplementary_remote_party_counter=rp_counter,
        supplementary_originator_counter=orig_counter,
        ka_certificate=cert,
        invocation_counter=draw(st.integers(0, 2**32 - 1)) if macd else 0,
    )


def gbcs_message_bytes(
    *, shapes: Sequence[MessageShape] | None = None, max_content: int = 400
) -> st.SearchStrategy[bytes]:
    """Draw the wire bytes of a :func:`gbcs_messages` message."""
    return gbcs_messages(shapes=shapes, max_content=max_content).map(lambda m: m.encoded)
