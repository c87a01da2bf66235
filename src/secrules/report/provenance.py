"""The provenance of a report run: version, date, documents modelled, input tables and digests.

Every impact format carries it, so a report can be reproduced and checked. The date is
injectable: an explicit ``date``, else the ``SOURCE_DATE_EPOCH`` environment variable (the
reproducible-builds convention), else today (UTC).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import attrs

from secrules._version import __version__
from secrules.core.impact import ImpactReport
from secrules.errors import InvalidValueError

__all__ = ["InputTable", "RunInfo", "inputs", "run_date", "run_info"]

_BUNDLED = "secrules/data/"


@attrs.frozen
class InputTable:
    """One table a report's rules were built from: its path and the SHA-256 of its bytes."""

    file: str
    sha256: str
    bundled: bool


@attrs.frozen
class RunInfo:
    """What produced a report: secrules version, date, documents modelled, input tables."""

    version: str
    date: str
    #: Each document modelled (``GBCS``, ``SEC Section G``) with the versions its rules cite.
    documents: tuple[tuple[str, tuple[str, ...]], ...]
    inputs: tuple[InputTable, ...]

    def lines(self) -> list[str]:
        """The provenance as short lines (``secrules 0.1.0, run 2020-05-28``, one per input)."""
        out = [f"secrules {self.version}, run {self.date}"]
        out.extend(
            f"{doc} versions cited: {'; '.join(versions)}" for doc, versions in self.documents
        )
        out.extend(
            f"input {'bundled ' if t.bundled else ''}{t.file} SHA-256 {t.sha256}"
            for t in self.inputs
        )
        return out


def run_date(date: dt.date | str | None = None) -> str:
    """The run date as ``YYYY-MM-DD``: ``date``, else ``SOURCE_DATE_EPOCH``, else today (UTC)."""
    if isinstance(date, dt.date):
        return date.isoformat()
    if isinstance(date, str):
        try:
            return dt.date.fromisoformat(date).isoformat()
        except ValueError:
            raise InvalidValueError(f"date must be YYYY-MM-DD, not {date!r}") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()
        except (ValueError, OverflowError, OSError):
            raise InvalidValueError(
                f"SOURCE_DATE_EPOCH must be seconds since 1970, not {epoch!r}"
            ) from None
    return dt.datetime.now(tz=dt.UTC).date().isoformat()


def _digest(file: str) -> tuple[str, bool]:
    if file.startswith(_BUNDLED):
        raw = resources.files("secrules.data").joinpath(file[len(_BUNDLED) :]).read_bytes()
        return hashlib.sha256(raw).hexdigest(), True
    try:
        return hashlib.sha256(Path(file).read_bytes()).hexdigest(), False
    except OSError:
        return "unreadable now", False


def inputs(report: ImpactReport) -> tuple[InputTable, ...]:
    """The tables ``report``'s rules (both regimes) and model were built from, each once."""
    files: dict[str, None] = {}
    if report.table is not None:
        files[report.table.file] = None
    for ruleset in report.model.rulesets().values():
        for rule in ruleset:
            files.update(dict.fromkeys(rule.data_files))
    out = []
    for file in files:
        if report.table is not None and file == report.table.file:
            out.append(InputTable(file, report.table.sha256, report.table.bundled))
        else:
            digest, bundled = _digest(file)
            out.append(InputTable(file, digest, bundled))
    return tuple(out)


def documents(report: ImpactReport) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each document ``report``'s rules cite, with the versions cited, in first-cited order."""
    found: dict[str, dict[str, None]] = {}
    for ruleset in report.model.rulesets().values():
        for rule in ruleset:
            for clause in rule.clauses:
                found.setdefault(clause.document, {})[clause.version] = None
    return tuple((doc, tuple(versions)) for doc, versions in found.items())


def run_info(reports: Sequence[ImpactReport], date: dt.date | str | None = None) -> RunInfo:
    """The provenance of a run over ``reports`` (inputs and documents of all, each once)."""
    tables: dict[str, InputTable] = {}
    docs: dict[str, dict[str, None]] = {}
    for report in reports:
        for report_ in report.by_reading:
            for table in inputs(report_):
                tables.setdefault(table.file, table)
            for doc, versions in documents(report_):
                docs.setdefault(doc, {}).update(dict.fromkeys(versions))
    return RunInfo(
        version=__version__,
        date=run_date(date),
        documents=tuple((d, tuple(v)) for d, v in docs.items()),
        inputs=tuple(tables.values()),
    )
