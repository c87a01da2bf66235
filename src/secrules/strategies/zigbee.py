"""Hypothesis strategies for GBCS ZigBee (GBZ) payloads: commands, responses, alerts, encryption.

Components are drawn by the layouts of ``data/zcl.toml`` (every cluster-specific command GBCS
uses), the profile-wide Read Attributes, Read Attributes Response and Default Response, and
commands no layout names (kept raw). What is drawn decodes back to itself::

    from hypothesis import given
    from secrules.strategies import gbz_payloads
    from secrules.zigbee import decode_gbz

    @given(gbz_payloads())
    def test_round_trip(payload):
        assert decode_gbz(payload.encode()) == payload
"""

from __future__ import annotations

from hypothesis import strategies as st

from secrules.zigbee.gbz import (
    ENCRYPTED,
    FROM_DATE_TIME,
    LAST_COMPONENT,
    GbzAlert,
    GbzComponent,
    GbzField,
    GbzPayload,
)
from secrules.zigbee.names import Field, zcl_names
from secrules.zigbee.types import FIELD_TYPES, FieldType
from secrules.zigbee.zcl import (
    DEFAULT_RESPONSE,
    READ_ATTRIBUTES,
    READ_ATTRIBUTES_RESPONSE,
    ZclGroup,
    ZclHeader,
    ZclItem,
    ZclValue,
)

__all__ = ["gbz_alerts", "gbz_components", "gbz_payloads", "zcl_headers"]

_SUCCESS = 0x00


def _value(draw: st.DrawFn, ftype: FieldType) -> int | bytes:
    if ftype.kind == "int":
        bits = 8 * (ftype.size or 1)
        if ftype.signed:
            return draw(st.integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1))
        return draw(st.integers(0, (1 << bits) - 1))
    if ftype.size is not None:
        return draw(st.binary(min_size=ftype.size, max_size=ftype.size))
    return draw(st.binary(max_size=24))


def _fields(draw: st.DrawFn, fields: tuple[Field, ...]) -> list[ZclItem]:
    return [ZclValue(f.name, f.type.name, _value(draw, f.type)) for f in fields]


@st.composite
def zcl_headers(
    draw: st.DrawFn, *, frame_type: int | None = None, command_id: int | None = None
) -> ZclHeader:
    """A ZCL header; a manufacturer code exactly when frame control bit 2 is drawn."""
    fc = draw(st.integers(0, 0xFF))
    if frame_type is not None:
        fc = (fc & ~0x03) | frame_type
    maker = draw(st.integers(0, 0xFFFF)) if fc & 0x04 else None
    command = draw(st.integers(0, 0xFF)) if command_id is None else command_id
    return ZclHeader(fc, draw(st.integers(0, 0xFF)), command, maker)


def _rar_records(draw: st.DrawFn) -> list[ZclItem]:
    names = zcl_names()
    typed = sorted(k for k, (_, t) in names.data_types.items() if t is not None)
    records: list[ZclItem] = []
    for i in range(draw(st.integers(0, 4))):
        record: list[ZclItem] = [
            ZclValue("attribute_id", "attribute_id", draw(st.integers(0, 0xFFFF)))
        ]
        status = draw(st.sampled_from([_SUCCESS, _SUCCESS, 0x86, 0xC0]))
        record.append(ZclValue("status", "status", status))
        if status == _SUCCESS:
            type_id = draw(st.sampled_from(typed))
            ftype = names.data_types[type_id][1] or FIELD_TYPES["uint8"]
            record.append(ZclValue("data_type", "data_type", type_id))
            record.append(ZclValue("value", ftype.name, _value(draw, ftype)))
        records.append(ZclGroup(f"[{i}]", tuple(record)))
    return [ZclGroup("records", tuple(records))]


@st.composite
def _plain_frame(draw: st.DrawFn, cluster_id: int) -> tuple[int, ZclHeader, list[ZclItem]]:
    names = zcl_names()
    layouts = [c for c in names.commands.values() if c.cluster == cluster_id]
    kind = draw(st.sampled_from(["layout", "layout", "ra", "rar", "default", "unknown"]))
    if kind == "layout" and layouts:
        layout = draw(st.sampled_from(layouts))
        header = draw(zcl_headers(frame_type=1, command_id=layout.id))
        header = ZclHeader(
            (header.frame_control & ~0x0C) | (layout.direction << 3),
            header.sequence_number,
            header.command_id,
        )
        items = _fields(draw, layout.fields)
        if layout.repeat:
            count = draw(st.integers(0, 3))
            items.append(
                ZclGroup(
                    "records",
                    tuple(
                        ZclGroup(f"[{i}]", tuple(_fields(draw, layout.repeat)))
                        for i in range(count)
                    ),
                )
            )
        if layout.optional and (layout.repeat == () and draw(st.booleans())):
            items.extend(_fields(draw, layout.optional))
        return cluster_id, header, items
    if kind == "ra":
        header = draw(zcl_headers(frame_type=0, command_id=READ_ATTRIBUTES))
        ids = draw(st.lists(st.integers(0, 0xFFFF), max_size=5))
        group = ZclGroup(
            "attribute_ids", tuple(ZclValue(f"[{i}]", "attribute_id", a) for i, a in enumerate(ids))
        )
        return cluster_id, header, [group]
    if kind == "rar":
        header = draw(zcl_headers(frame_type=0, command_id=READ_ATTRIBUTES_RESPONSE))
        return cluster_id, header, _rar_records(draw)
    if kind == "default":
        header = draw(zcl_headers(frame_type=0, command_id=DEFAULT_RESPONSE))
        return (
            cluster_id,
            header,
            [
                ZclValue("command_id", "command_id", draw(st.integers(0, 0xFF))),
                ZclValue("status", "status", draw(st.integers(0, 0xFF))),
            ],
        )
    # A command no layout names: a reserved frame type, keeping its octets raw.
    header = draw(zcl_headers(frame_type=draw(st.sampled_from([2, 3]))))
    raw = draw(st.binary(min_size=1, max_size=16))
    return cluster_id, header, [ZclValue("octets", "raw", raw)]


@st.composite
def gbz_components(
    draw: st.DrawFn, *, encrypted: bool | None = None, last: bool | None = None
) -> GbzComponent:
    """A GBZ component: plaintext by a known layout or raw, or encrypted (a random block)."""
    names = zcl_names()
    cluster = draw(st.one_of(st.sampled_from(sorted(names.clusters)), st.integers(0, 0xFFFF)))
    secret = draw(st.booleans()) if encrypted is None else encrypted
    control = draw(st.sampled_from([0x00, 0x00, FROM_DATE_TIME]))
    if secret:
        control |= ENCRYPTED
    if last if last is not None else draw(st.booleans()):
        control |= LAST_COMPONENT
    fdt = draw(st.integers(0, 0xFFFFFFFF)) if control & FROM_DATE_TIME else None
    if secret:
        header = draw(zcl_headers())
        block = bytes((0x31,)) + draw(st.binary(min_size=16, max_size=60))
        return GbzComponent(
            control,
            cluster,
            header,
            ciphered=block,
            from_date_time=fdt,
            additional_header_control=draw(st.sampled_from([0, 0, 0xFF])),
            frame_counter=draw(st.integers(0, 3)),
        )
    _, header, items = draw(_plain_frame(cluster))
    return GbzComponent(control, cluster, header, tuple(items), from_date_time=fdt)


@st.composite
def gbz_payloads(draw: st.DrawFn, *, max_components: int = 4) -> GbzPayload:
    """A GBZ command or response payload: 0 to ``max_components`` components, the last marked."""
    count = draw(st.integers(0, max_components))
    components = [draw(gbz_components(last=i == count - 1)) for i in range(count)]
    return GbzPayload(tuple(components))


@st.composite
def gbz_alerts(draw: st.DrawFn) -> GbzPayload:
    """A GBZ alert payload (CRA flag 3) of every alert layout, or an alert code with none."""
    names = zcl_names()
    code = draw(st.one_of(st.sampled_from(sorted(names.alerts)), st.integers(0, 0xFFFF)))
    stamp = draw(st.integers(0, 0xFFFFFFFF))
    row = names.alerts.get(code)
    layout = row[1] if row else None
    fields: list[GbzField] = []
    components: tuple[GbzComponent, ...] = ()
    count = draw(st.integers(0, 1))
    if layout == "future-dated":
        fields = [
            GbzField("length", 1, 14),
            GbzField("message_code", 2, draw(st.integers(0, 0xFFFF))),
            GbzField("originator_counter", 8, draw(st.integers(0, (1 << 64) - 1))),
            GbzField("cluster_id", 2, draw(st.integers(0, 0xFFFF))),
            GbzField("frame_control", 1, draw(st.integers(0, 0xFF))),
            GbzField("command_id", 1, draw(st.integers(0, 0xFF))),
        ]
    elif layout == "firmware-receipt":
        fields = [
            GbzField("firmware_alert_start", 2, draw(st.binary(min_size=2, max_size=2))),
            GbzField("image_hash", 32, draw(st.binary(min_size=32, max_size=32))),
        ]
    elif layout == "other-info":
        fields = [GbzField("other_info", 2, draw(st.integers(0, 0xFFFF)))]
    elif layout == "component":
        components = tuple(draw(gbz_components(last=True)) for _ in range(count))
    elif layout is None:
        rest = draw(st.binary(max_size=12))
        if rest:
            fields = [GbzField("octets", len(rest), rest)]
    return GbzPayload(components, GbzAlert(code, stamp, tuple(fields)), count)
