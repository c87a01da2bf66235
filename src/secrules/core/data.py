"""Parameter tables: TOML files with a source and provenance for every value.

Tables ship under ``secrules/data/`` and are read with the standard library's ``tomllib``. A
user can pass the path of their own copy of a table (for example the real GBCS Table 28d) in
the same schema. Every schema violation raises :class:`DataFileError` naming the file and the
dotted key path, so a broken table never loads half-way.
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Callable, Container, Iterator, Mapping
from importlib import resources
from typing import Any, Protocol, TypeVar

from secrules.core.clauses import ClauseRef, Provenance
from secrules.core.files import display_name, read_bounded
from secrules.core.sources import TableSource
from secrules.core.validation import require_path
from secrules.errors import DataFileError, InvalidValueError

__all__ = [
    "TableLoader",
    "TableReader",
    "TableSource",
    "bundled_once",
    "bundled_path",
    "load_table",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
_MAX_TABLE_BYTES = 4 * 1024 * 1024
#: Deepest nesting of tables and arrays a parameter table may use (the bundled ones use 4).
_MAX_DEPTH = 32
_INT64 = (-(2**63), 2**63 - 1)
_BOM = b"\xef\xbb\xbf"


def bundled_path(name: str) -> str:
    """The label used in errors for the bundled table ``name`` (e.g. ``section_g.toml``)."""
    return f"secrules/data/{name}"


class TableLoader(Protocol[T_co]):
    """A table's loader: the user's file at ``path``, or the bundled table when None."""

    def __call__(self, path: str | os.PathLike[str] | None = None) -> T_co:
        """The table read from ``path``, or the bundled one (read once) when None."""


def bundled_once(load: Callable[[str | os.PathLike[str] | None], T]) -> TableLoader[T]:
    """``load`` with the bundled table (``path`` None) read once and shared by every caller.

    A user's ``path`` is read afresh on each call. The decorated function keeps ``load``'s name
    and docstring, so each module still declares its own loader.
    """
    bundled = functools.cache(functools.partial(load, None))

    @functools.wraps(load)
    def loader(path: str | os.PathLike[str] | None = None) -> T:
        return bundled() if path is None else load(path)

    return loader


def load_table(
    source: str | os.PathLike[str] | None, *, default: str, what: str = "table"
) -> TableReader:
    """Load ``source`` (a path), or the bundled table ``default`` when ``source`` is None.

    ``source`` is read within the size cap whatever it is (file, pipe or device). A UTF-8 byte
    order mark is allowed. Raises :class:`DataFileError` naming the file if it is missing, too
    large, not UTF-8, not TOML, nested too deeply or holds an integer outside TOML's 64-bit
    range; :class:`InvalidValueError` if ``source`` is not a path.
    """
    if source is None:
        label = bundled_path(default)
        try:
            raw = resources.files("secrules.data").joinpath(default).read_bytes()
        except (FileNotFoundError, OSError) as exc:
            raise DataFileError(f"bundled table is missing ({exc})", file=label) from None
    else:
        require_path(source, "table")
        label = display_name(source)
        raw = read_bounded(source, _MAX_TABLE_BYTES, what=what)
    try:
        text = raw.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(f"not UTF-8 at byte {exc.start + len(_BOM)}", file=label) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(f"not valid TOML: {exc}", file=label) from None
    except RecursionError:
        raise DataFileError("not valid TOML: nested too deeply to read", file=label) from None
    except ValueError:  # int() refuses integers of more than sys.get_int_max_str_digits() digits
        raise DataFileError(
            "not valid TOML: an integer is outside the 64-bit range TOML allows", file=label
        ) from None
    _check_values(data, label)
    origin = TableSource.of(raw, name=default, file=label, bundled=source is None)
    return TableReader(data, file=label, source=origin)


def _check_values(data: dict[str, Any], label: str) -> None:
    """Refuse tables nested deeper than ``_MAX_DEPTH`` and integers outside 64 bits (TOML 1.0)."""
    stack: list[tuple[object, str, int]] = [(data, "", 0)]
    while stack:
        value, key, depth = stack.pop()
        if depth > _MAX_DEPTH:
            raise DataFileError(f"nested more than {_MAX_DEPTH} levels deep", file=label, key=key)
        if isinstance(value, dict):
            stack.extend(
                (item, f"{key}.{name}" if key else name, depth + 1) for name, item in value.items()
            )
        elif isinstance(value, list):
            stack.extend((item, f"{key}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]:
            raise DataFileError(
                "integer is outside the 64-bit range TOML allows", file=label, key=key
            )


class TableReader:
    """Typed, path-aware access to one TOML table; every failure names file and key."""

    __slots__ = ("_data", "file", "key", "source")

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        file: str,
        key: str = "",
        source: TableSource | None = None,
    ) -> None:
        self._data = data
        self.file = file
        self.key = key
        #: Where the table was read from (set on the table :func:`load_table` returns).
        self.source = source

    def _path(self, name: str | int) -> str:
        if isinstance(name, int):
            return f"{self.key}[{name}]"
        return f"{self.key}.{name}" if self.key else name

    def error(self, message: str, name: str | int | None = None) -> DataFileError:
        """A DataFileError at this table's key (or at its child ``name``)."""
        key = self.key if name is None else self._path(name)
        return DataFileError(message, file=self.file, key=key or None)

    def keys(self) -> list[str]:
        """The keys of this table, in file order."""
        return list(self._data)

    def __contains__(self, name: str) -> bool:
        return name in self._data

    def raw(self, name: str) -> object:
        """The untyped value of ``name``; DataFileError if missing."""
        if name not in self._data:
            raise self.error("required key is missing", name)
        return self._data[name]

    def _typed(self, name: str, kind: type[T], what: str) -> T:
        value = self.raw(name)
        # bool is an int in Python; a table that says `true` where a number belongs is wrong.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(f"expected {what}, found {type(value).__name__}", name)
        return value

    def text(self, name: str, *, default: str | None = None) -> str:
        """A non-empty string value."""
        if default is not None and name not in self._data:
            return default
        value = self._typed(name, str, "a string")
        if not value.strip():
            raise self.error("must not be empty", name)
        return value

    def integer(self, name: str) -> int:
        """An integer value."""
        return self._typed(name, int, "an integer")

    def flag(self, name: str, *, default: bool | None = None) -> bool:
        """A boolean value."""
        if default is not None and name not in self._data:
            return default
        return self._typed(name, bool, "a boolean")

    def texts(self, name: str, *, allow_empty: bool = True) -> list[str]:
        """A list of non-empty strings."""
        values = self._typed(name, list, "an array of strings")
        if not values and not allow_empty:
            raise self.error("must not be empty", name)
        for i, item in enumerate(values):
            if not isinstance(item, str) or not item.strip():
                raise DataFileError(
                    "expected a non-empty string", file=self.file, key=f"{self._path(name)}[{i}]"
                )
        return list(values)

    def table(self, name: str) -> TableReader:
        """A sub-table."""
        value = self._typed(name, dict, "a table")
        return TableReader(value, file=self.file, key=self._path(name))

    def tables(self, name: str, *, allow_empty: bool = False) -> list[TableReader]:
        """An array of tables (``[[name]]``)."""
        values = self._typed(name, list, "an array of tables")
        if not values and not allow_empty:
            raise self.error("must not be empty", name)
        out = []
        for i, item in enumerate(values):
            sub_key = f"{self._path(name)}[{i}]"
            if not isinstance(item, dict):
                raise DataFileError("expected a table", file=self.file, key=sub_key)
            out.append(TableReader(item, file=self.file, key=sub_key))
        return out

    def items(self) -> Iterator[tuple[str, TableReader]]:
        """Every sub-table of this table, by key (non-table values are an error)."""
        for name in self._data:
            yield name, self.table(name)

    def provenance(self, name: str = "provenance") -> Provenance:
        """A provenance value (stated, inferred or assumed)."""
        text = self.text(name)
        try:
            return Provenance.parse(text)
        except InvalidValueError as exc:
            raise self.error(str(exc), name) from None

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        """A string that must be one of ``allowed``."""
        value = self.text(name)
        if value not in allowed:
            raise self.error(f"{value!r} is not one of {', '.join(allowed)}", name)
        return value

    def sources(self) -> dict[str, str]:
        """The ``[sources]`` table of a table of facts: each source's key -> its ``reference``."""
        return {name: src.text("reference") for name, src in self.table("sources").items()}

    def stated_clause(self) -> ClauseRef:
        """The clause a table of facts cites: its ``document``, ``clause`` and ``version``."""
        return ClauseRef(
            document=self.text("document"),
            clause=self.text("clause"),
            version=self.text("version"),
            provenance="stated",
        )

    def code16(self, seen: Container[int], name: str = "code") -> int:
        """The 16-bit code ``name`` of a row; an error when outside 0..0xFFFF or in ``seen``."""
        code = self.integer(name)
        if not 0 <= code <= 0xFFFF:
            raise self.error(f"code {code} is not a 16-bit value", name)
        if code in seen:
            raise self.error(f"code 0x{code:04X} is listed twice", name)
        return code

    def clause(self, prefix: str = "", *, ident: str = "") -> ClauseRef:
        """A ClauseRef from ``{prefix}document``, ``clause``, ``version`` and ``provenance``."""
        try:
            return ClauseRef(
                id=ident,
                document=self.text(f"{prefix}document"),
                clause=self.text(f"{prefix}clause"),
                version=self.text(f"{prefix}version"),
                provenance=self.provenance(f"{prefix}provenance"),
                note=self.text(f"{prefix}note", default="") if f"{prefix}note" in self else "",
            )
        except InvalidValueError as exc:
            raise self.error(str(exc)) from None
