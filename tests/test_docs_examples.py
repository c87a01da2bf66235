"""The JSON examples in docs/json-format.md are excerpts of real output, re-run here.

Each fenced ``json`` block follows a comment ``<!-- example: secrules ARGS -->`` naming the
command that produced it. The block must match the command's output: ``"..."`` matches any
value, a string ending in ``...`` any string starting so, a ``"..."`` list item stands for
items left out (documented items appear in order), and an object lists all of its keys unless
it has a ``"...": "..."`` member.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "json-format.md"
ELIDED = "..."

_EXAMPLE = re.compile(
    r"<!-- example: secrules (?P<argv>[^\n]*?) -->\n```json\n(?P<body>.*?)\n```", re.S
)


def _examples() -> list[tuple[str, str]]:
    return [(m["argv"], m["body"]) for m in _EXAMPLE.finditer(PAGE.read_text(encoding="utf-8"))]


def mismatch(doc: object, real: object, where: str = "$") -> str | None:
    """Why ``real`` does not match the documented excerpt ``doc`` (None when it does)."""
    if doc == ELIDED:
        return None
    if isinstance(doc, dict):
        if not isinstance(real, dict):
            return f"{where}: documented an object, got {type(real).__name__}"
        keys = {k for k in doc if k != ELIDED}
        if ELIDED not in doc and keys != set(real):
            return f"{where}: documented keys {sorted(keys)}, real keys {sorted(real)}"
        missing = keys - set(real)
        if missing:
            return f"{where}: documented keys {sorted(missing)} are not in the output"
        for key in sorted(keys):
            why = mismatch(doc[key], real[key], f"{where}.{key}")
            if why:
                return why
        return None
    if isinstance(doc, list):
        if not isinstance(real, list):
            return f"{where}: documented a list, got {type(real).__name__}"
        items = [d for d in doc if d != ELIDED]
        if len(items) == len(doc) and len(doc) != len(real):
            return f"{where}: documented {len(doc)} items, got {len(real)}"
        at = 0
        for n, item in enumerate(items):
            while at < len(real) and mismatch(item, real[at]) is not None:
                at += 1
            if at == len(real):
                return f"{where}[{n}]: no later item matches {json.dumps(item)[:200]}"
            at += 1
        return None
    if isinstance(doc, str) and doc.endswith(ELIDED) and isinstance(real, str):
        prefix = doc[: -len(ELIDED)]
        return None if real.startswith(prefix) else f"{where}: {real!r} does not start {prefix!r}"
    return None if doc == real else f"{where}: documented {doc!r}, real {real!r}"


def test_page_has_examples():
    argvs = [argv for argv, _ in _examples()]
    assert len(argvs) >= 6
    assert any(a.startswith("check ") for a in argvs)
    assert any(a.startswith("impact ") for a in argvs)


@pytest.mark.parametrize(("argv", "body"), _examples(), ids=[argv for argv, _ in _examples()])
def test_json_example_matches_a_real_run(argv, body, run_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    documented = json.loads(body)
    result = run_cli(*shlex.split(argv))
    assert result.code in {0, 1, 2}, result.err
    why = mismatch(documented, json.loads(result.out))
    assert why is None, f"docs/json-format.md, `secrules {argv}`: {why}"


@pytest.mark.parametrize(
    ("doc", "real", "ok"),
    [
        ({"a": 1}, {"a": 1}, True),
        ({"a": 1}, {"a": 1, "note": "x"}, False),  # a key the docs omit
        ({"a": 1, ELIDED: ELIDED}, {"a": 1, "b": 2}, True),
        ({"id": "x.y"}, {"id": "x.z"}, False),
        (["...", {"v": 2}, "..."], [{"v": 1}, {"v": 2}, {"v": 3}], True),
        ([{"v": 3}, {"v": 2}], [{"v": 2}, {"v": 3}], False),
        ([{"v": 2}, "..."], [{"v": 1}], False),
        ("fail", "conflicts", False),
        ("row 730. ...", "row 730. Bit 0", True),
        ("row 731. ...", "row 730. Bit 0", False),
    ],
)
def test_mismatch(doc, real, ok):
    assert (mismatch(doc, real) is None) == ok
