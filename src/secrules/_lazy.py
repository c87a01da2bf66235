"""Lazy package attributes (PEP 562): a name is imported from its module when first used.

Keeps ``import secrules`` and ``secrules --help`` from loading cryptography, construct and the
GBCS and DLMS stacks until something needs them.
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Callable, Mapping
from typing import Any


def attach(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: ``exports`` maps a name to its module.

    ``__dir__`` lists the package's ``__all__``, the exports, dunders and submodules.

    The first use of a name imports its module and stores the value in ``namespace`` (the
    package's globals), so later uses cost nothing.
    """

    def __getattr__(name: str) -> Any:  # noqa: ANN401, N807 - PEP 562's name; any value
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807 - PEP 562's name
        # The public names, dunders and submodules: not the helpers the package imports.
        public = set(namespace.get("__all__", ())) | set(exports)
        shown = {
            name
            for name, value in namespace.items()
            if name in public
            or (name.startswith("__") and name.endswith("__"))
            or isinstance(value, types.ModuleType)
        }
        return sorted(shown | set(exports))

    return __getattr__, __dir__
