"""Verdict fills its slots directly: the same record an attrs-generated __init__ builds."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from secrules.core.findings import Outcome, Verdict


@attrs.frozen
class _Reference:
    outcome: Outcome
    message: str
    path: str | None = None
    offset: int | None = None
    label: str | None = None


@st.composite
def verdict_args(draw: st.DrawFn) -> dict[str, object]:
    args: dict[str, object] = {
        "outcome": draw(st.sampled_from(Outcome)),
        "message": draw(st.text(max_size=20)),
    }
    for name in ("path", "label"):
        if draw(st.booleans()):
            args[name] = draw(st.none() | st.text(max_size=10))
    if draw(st.booleans()):
        args["offset"] = draw(st.none() | st.integers(0, 10**6))
    return args


@given(verdict_args())
def test_verdict_is_the_attrs_record(args):
    verdict = Verdict(**args)  # type: ignore[arg-type]
    assert attrs.asdict(verdict) == attrs.asdict(_Reference(**args))  # type: ignore[arg-type]
    positional = Verdict(*(attrs.asdict(verdict).values()))
    assert positional == verdict
    assert hash(positional) == hash(verdict)
    assert attrs.evolve(verdict, label="x").label == "x"
    assert repr(verdict).startswith("Verdict(outcome=")


def test_verdict_stays_frozen():
    verdict = Verdict(Outcome.PASS, "read")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        verdict.message = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Verdict(Outcome.PASS)  # type: ignore[call-arg]
