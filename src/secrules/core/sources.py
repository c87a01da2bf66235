"""Where a parameter table came from: the bundled copy or a user's file, and its SHA-256."""

from __future__ import annotations

import hashlib

import attrs

__all__ = ["TableSource", "data_file"]


def _printable(name: str) -> str:
    """``name`` with undecodable bytes (surrogate escapes) shown as backslash escapes."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@attrs.frozen
class TableSource:
    """Where a loaded parameter table came from: the bundled copy or a user's file.

    ``name`` is the bundled table it stands for (``section_g.toml``), ``file`` the file read
    (``secrules/data/section_g.toml`` or the user's path, printable), ``sha256`` the hex digest
    of the exact bytes parsed, so a report can be reproduced from the same table.
    """

    name: str
    file: str
    sha256: str
    bundled: bool

    @classmethod
    def of(cls, raw: bytes, *, name: str, file: str, bundled: bool) -> TableSource:
        """The source of a table parsed from ``raw`` (the bytes read, hashed here)."""
        return cls(name, _printable(file), hashlib.sha256(raw).hexdigest(), bundled)

    @property
    def label(self) -> str:
        """``bundled section_g.toml`` or the user's path."""
        return f"bundled {self.name}" if self.bundled else self.file

    def describe(self) -> str:
        """One line for reports: which table, and its SHA-256."""
        if self.bundled:
            return f"bundled {self.name} (SHA-256 {self.sha256})"
        return f"user table {self.file} in place of {self.name} (SHA-256 {self.sha256})"


def data_file(source: TableSource | None, default: str) -> str:
    """The data file a rule rests on: ``source``'s file, else the bundled table ``default``."""
    return f"secrules/data/{default}" if source is None else source.file
