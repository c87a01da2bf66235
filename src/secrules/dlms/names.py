"""COSEM names: interface classes, attributes, methods, results and enumerated values.

The names are data (``secrules/data/cosem_names.toml``, a source and provenance per row):
interface-class names and their attribute and method names as gurux-dlms and the GBCS v4.0
use-case mapping rows (HenryGiraldo/gbcs-parser-js) print them, GBCS extended data (class 9000)
and the data-access-result names as SmartDCCInnovation/gbcs-parser gives them.
:func:`cosem_names` loads the table once; unknown ids keep their numbers (``class 4711``).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from secrules.core.clauses import Provenance
from secrules.core.data import TableReader, load_table

__all__ = ["CosemClass", "CosemNames", "cosem_names", "load_cosem_names"]

_DEFAULT = "cosem_names.toml"


def _ids(table: TableReader, key: str) -> dict[int, str]:
    if key not in table:
        return {}
    sub = table.raw(key)
    if not isinstance(sub, dict):
        raise table.error("expected a table of id = name", key)
    out: dict[int, str] = {}
    for name, value in sub.items():
        if not name.isdigit() or not isinstance(value, str) or not value.strip():
            raise table.error(f"expected a numeric id and a name, found {name!r}", key)
        out[int(name)] = value
    return out


@attrs.frozen
class CosemClass:
    """One interface class: id, name, attribute and method names, and where they come from."""

    id: int
    name: str
    attributes: Mapping[int, str]
    methods: Mapping[int, str]
    source: str
    provenance: Provenance

    def attribute(self, attribute: int) -> str:
        """The attribute's name (``logical_name`` for 1), or ``attribute N``."""
        if attribute == 1:
            return "logical_name"
        return self.attributes.get(attribute, f"attribute {attribute}")

    def method(self, method: int) -> str:
        """The method's name, or ``method N``."""
        return self.methods.get(method, f"method {method}")


@attrs.frozen
class CosemNames:
    """The loaded table: classes by id, result names and enumerated values."""

    file: str
    classes: Mapping[int, CosemClass]
    results: Mapping[int, str]
    enums: Mapping[tuple[int, int], Mapping[int, str]]
    sources: Mapping[str, str]
    #: (class, attribute) -> the member names of its array elements (``name:kind``).
    layouts: Mapping[tuple[int, int], tuple[str, ...]] = MappingProxyType({})

    def class_name(self, class_id: int) -> str:
        """``Schedule`` for 10; ``class N`` when not tabled."""
        row = self.classes.get(class_id)
        return f"class {class_id}" if row is None else row.name

    def attribute_name(self, class_id: int, attribute: int) -> str:
        """The attribute's name for the class, or ``attribute N``."""
        row = self.classes.get(class_id)
        if row is None:
            return "logical_name" if attribute == 1 else f"attribute {attribute}"
        return row.attribute(attribute)

    def method_name(self, class_id: int, method: int) -> str:
        """The method's name for the class, or ``method N``."""
        row = self.classes.get(class_id)
        return f"method {method}" if row is None else row.method(method)

    def result_name(self, result: int) -> str:
        """The data-access-result / action-result name, or ``result N``."""
        return self.results.get(result, f"result {result}")

    def enum_name(self, class_id: int, attribute: int, value: int) -> str | None:
        """The name of an enumerated attribute value, or None when not tabled."""
        return self.enums.get((class_id, attribute), {}).get(value)


def load_cosem_names(path: str | os.PathLike[str] | None = None) -> CosemNames:
    """Load the bundled table, or ``path`` in the same schema (DataFileError naming the key)."""
    table = load_table(path, default=_DEFAULT)
    sources = table.sources()
    classes: dict[int, CosemClass] = {}
    for row in table.tables("class"):
        ident = row.integer("id")
        if not 0 <= ident <= 0xFFFF or ident in classes:
            raise row.error(f"class id {ident} is out of range or given twice", "id")
        provenance = row.provenance()
        if provenance is not Provenance.STATED and "note" not in row:
            raise row.error("an inferred row needs a note")
        classes[ident] = CosemClass(
            id=ident,
            name=row.text("name"),
            attributes=MappingProxyType(_ids(row, "attributes")),
            methods=MappingProxyType(_ids(row, "methods")),
            source=row.choice("source", tuple(sources)),
            provenance=provenance,
        )
    results_row = table.table("results")
    results_row.choice("source", tuple(sources))
    results_row.provenance()
    enums: dict[tuple[int, int], Mapping[int, str]] = {}
    for row in table.tables("enum", allow_empty=True) if "enum" in table else []:
        row.choice("source", tuple(sources))
        row.provenance()
        enums[(row.integer("class"), row.integer("attribute"))] = MappingProxyType(
            _ids(row, "values")
        )
    layouts: dict[tuple[int, int], tuple[str, ...]] = {}
    for row in table.tables("layout", allow_empty=True) if "layout" in table else []:
        row.choice("source", tuple(sources))
        row.provenance()
        layouts[(row.integer("class"), row.integer("attribute"))] = tuple(row.texts("element"))
    return CosemNames(
        file=table.file,
        layouts=MappingProxyType(layouts),
        classes=MappingProxyType(classes),
        results=MappingProxyType(_ids(results_row, "names")),
        enums=MappingProxyType(enums),
        sources=MappingProxyType(sources),
    )


@functools.cache
def cosem_names() -> CosemNames:
    """The bundled table (loaded once)."""
    return load_cosem_names(None)
