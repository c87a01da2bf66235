"""DCC access control for a data request, as it stood on 28 May 2020 (no per-request consent).

One labelled rule over a :class:`DataRequest`, ``sec.dcc.access-control``: the DCC serves a
request when the sender's User Role is eligible for it and the User is related to the device
(inferred from the SEC definition of User Role: a category of User that can be an Eligible User
for a DCC User Interface Service). Whether the User holds the consumer's consent is the User's own
duty under SEC Section I "Data Privacy", assured after the event through privacy assessments;
the DCC does not check it request by request (the problem DP126 raises).

A request may carry the consent record the User holds (:class:`Consent`); :meth:`Consent.gap`
says which of its MPxN, data classes and validity window fail to cover a request. The baseline
rule does not read it.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable
from datetime import datetime

import attrs

from secrules.core.citations import cite
from secrules.core.enums import enum_member
from secrules.core.findings import Outcome, Verdict
from secrules.core.rules import Rule, RuleSet
from secrules.errors import InvalidValueError

__all__ = [
    "ACCESS_CONTROL",
    "COVERAGE_FIELDS",
    "Consent",
    "DataClass",
    "DataRequest",
    "access_control_rule",
    "rules",
]

#: Rule id (one hop from this module).
ACCESS_CONTROL = "sec.dcc.access-control"
#: What a consent record can be checked against: the MPxN, the data class, the request time.
COVERAGE_FIELDS = ("mpxn", "data_class", "time")


class DataClass(enum.Enum):
    """The kind of data a request asks for."""

    #: Consumption data (personal data of the consumer at the premises).
    CONSUMPTION = "consumption"
    #: Data about the device, not the consumer (configuration, firmware, status).
    NON_PERSONAL = "non-personal"

    @classmethod
    def parse(cls, value: object) -> DataClass:
        """The member named ``value``; InvalidValueError listing the allowed values otherwise."""
        return enum_member(cls, value, "data class")


def _data_class(value: object) -> DataClass:
    return DataClass.parse(value)


def _classes(value: Iterable[DataClass | str]) -> frozenset[DataClass]:
    return frozenset(DataClass.parse(v) for v in value)


def _aware(_inst: object, attribute: attrs.Attribute[datetime], value: datetime) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidValueError(f"{attribute.name} must be an aware datetime, not {value!r}")


@attrs.frozen
class Consent:
    """A consumer's consent as the User records it: for one MPxN, some data classes, a window."""

    mpxn: str
    classes: frozenset[DataClass] = attrs.field(converter=_classes)
    valid_from: datetime = attrs.field(validator=_aware)
    valid_until: datetime = attrs.field(validator=_aware)

    def gap(self, request: DataRequest, fields: Iterable[str] = COVERAGE_FIELDS) -> str | None:
        """Why this record does not cover ``request`` on ``fields``, or None when it does.

        The window is inclusive of both ends. Unknown field names raise InvalidValueError.
        """
        for name in fields:
            if name not in COVERAGE_FIELDS:
                allowed = ", ".join(COVERAGE_FIELDS)
                raise InvalidValueError(f"unknown consent field {name!r}; expected {allowed}")
            if name == "mpxn" and self.mpxn != request.mpxn:
                return f"the consent is for MPxN {self.mpxn}, not {request.mpxn}"
            if name == "data_class" and request.data_class not in self.classes:
                return f"the consent does not cover {request.data_class.value} data"
            if name == "time" and not self.valid_from <= request.at <= self.valid_until:
                if request.at > self.valid_until:
                    return "the consent had expired at the request time"
                return "the consent was not yet valid at the request time"
        return None


@attrs.frozen
class DataRequest:
    """A DCC User's request for data from a device, and the consent record it holds (if any)."""

    mpxn: str
    data_class: DataClass = attrs.field(converter=_data_class)
    at: datetime = attrs.field(validator=_aware)
    #: The sender's User Role is eligible for the request and the User is related to the device.
    eligible: bool
    consent: Consent | None = None


def access_control_rule() -> Rule[DataRequest]:
    """``sec.dcc.access-control``: the DCC serves a request from an eligible, related User.

    Cites the DCC's eligibility check (inferred from the SEC definition of User Role) and SEC
    Section I, under which consent is the User's own duty, not checked by the DCC per request.
    """

    def fn(request: DataRequest) -> Verdict:
        if not request.eligible:
            return Verdict(
                Outcome.FAIL,
                "the sender's User Role is not eligible for this request, or the User is not"
                " related to the device",
            )
        return Verdict(
            Outcome.PASS,
            "the sender's User Role is eligible and the User is related to the device; consent is"
            " the User's own duty (Section I), not checked by the DCC per request",
        )

    return Rule(
        id=ACCESS_CONTROL,
        title="The DCC serves a data request from an eligible User related to the device",
        clauses=(cite("sec.dcc.eligibility"), cite("sec.i.data-privacy")),
        fn=fn,
        text="The DCC checks that the sender's User Role is eligible for the request and that"
        " the User is related to the device; consent is the User's duty under Section I.",
    )


@functools.cache
def rules() -> RuleSet[DataRequest]:
    """The DCC's access-control rules for a data request as they stood (built once)."""
    return RuleSet.of("SEC DCC access control as at 2020-05-28", [access_control_rule()])
