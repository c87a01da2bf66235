"""Rule.finding builds its Finding slot by slot: the same record as Finding(...)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from secrules.core import Finding, Outcome
from secrules.core.citations import cite
from secrules.core.findings import finding_of

CLAUSE = cite("gbcs.7.2.7.signed-span")


@given(
    outcome=st.sampled_from(list(Outcome)),
    message=st.text(max_size=20),
    path=st.none() | st.text(max_size=10),
    offset=st.none() | st.integers(0, 1 << 20),
    label=st.none() | st.text(max_size=10),
)
def test_finding_of_is_the_finding_init_builds(outcome, message, path, offset, label):
    fast = finding_of("r.id", outcome, message, (CLAUSE,), path, offset, label)
    slow = Finding("r.id", outcome, message, (CLAUSE,), path, offset, label)
    assert fast == slow
    assert hash(fast) == hash(slow)
    assert repr(fast) == repr(slow)
