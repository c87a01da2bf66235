"""docs/harness.md shows the example harness as it is, and failure messages as they are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from secrules.testing import assert_conforms

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "harness.md"
EXAMPLE = ROOT / "examples" / "harness"


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _example_namespace() -> dict[str, object]:
    namespace: dict[str, object] = {}
    source = (EXAMPLE / "test_payloads.py").read_text(encoding="utf-8")
    exec(compile(source, str(EXAMPLE / "test_payloads.py"), "exec"), namespace)  # noqa: S102
    return namespace


@pytest.mark.parametrize("name", ["pytest.ini", "conftest.py", "test_payloads.py"])
def test_the_doc_shows_each_example_file_whole(name):
    text = (EXAMPLE / name).read_text(encoding="utf-8")
    assert f"\n{text}```\n" in _doc(), f"docs/harness.md must show examples/harness/{name} whole"


@pytest.mark.parametrize("payload", ["WEEKDAYS_ONLY", "EMPTY_UPDATE"])
def test_the_sample_failure_messages_are_real(payload):
    with pytest.raises(AssertionError) as excinfo:
        assert_conforms(_example_namespace()[payload])
    message = str(excinfo.value)
    assert f"```text\n{message}\n```" in _doc(), f"update the sample in docs/harness.md:\n{message}"


def test_the_property_test_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", _doc(), flags=re.DOTALL)
    [block] = [b for b in blocks if "@given(role_sets())" in b]
    namespace: dict[str, object] = {}
    exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102
    namespace["test_g10_binds_every_user_after_mp133"]()
