"""SEC User Roles (SEC Section A, definition of "User Role"; the seven roles of 2020).

A User Role is a category of User that can be an Eligible User for a DCC User Interface Service
or an Elective Communication Service. A Party may hold several roles (Import and Export Supplier
is common), so rules take a *set* of roles. The 2014 DCC User Gateway Interface Design
Specification abbreviations (EIS, EES, GIS, ENO, GNO) are accepted as aliases. The later Meter
Data Retriever role is not a 2020 role and is not modelled (assumption A133-7).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from secrules.errors import InvalidValueError

__all__ = ["UserRole", "parse_roles"]


class UserRole(enum.Enum):
    """The seven SEC User Roles of 2020, with their short codes as values."""

    IMPORT_SUPPLIER = "IS"
    EXPORT_SUPPLIER = "ES"
    GAS_SUPPLIER = "GS"
    ELECTRICITY_DISTRIBUTOR = "ED"
    GAS_TRANSPORTER = "GT"
    REGISTERED_SUPPLIER_AGENT = "RSA"
    OTHER_USER = "OU"

    @property
    def code(self) -> str:
        """The short code (``IS``, ``ES``, ``GS``, ``ED``, ``GT``, ``RSA``, ``OU``)."""
        return self.value

    @property
    def title(self) -> str:
        """The role's name as the SEC writes it (``Export Supplier``)."""
        return _TITLES[self]

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str | UserRole) -> UserRole:
        """The role named by a short code, an enum name, the SEC name or a 2014 abbreviation.

        Case and separators are ignored: ``"ES"``, ``"export supplier"``, ``"EXPORT_SUPPLIER"``
        and ``"EES"`` all give :attr:`EXPORT_SUPPLIER`. Unknown text raises
        :class:`InvalidValueError` (also a ``ValueError``).
        """
        if isinstance(text, UserRole):
            return text
        if not isinstance(text, str):
            raise InvalidValueError(f"a user role must be text, not {type(text).__name__}")
        role = _LOOKUP.get(_key(text))
        if role is None:
            codes = ", ".join(r.code for r in cls)
            raise InvalidValueError(f"unknown SEC User Role {text!r}; expected one of {codes}")
        return role


_TITLES = {
    UserRole.IMPORT_SUPPLIER: "Import Supplier",
    UserRole.EXPORT_SUPPLIER: "Export Supplier",
    UserRole.GAS_SUPPLIER: "Gas Supplier",
    UserRole.ELECTRICITY_DISTRIBUTOR: "Electricity Distributor",
    UserRole.GAS_TRANSPORTER: "Gas Transporter",
    UserRole.REGISTERED_SUPPLIER_AGENT: "Registered Supplier Agent",
    UserRole.OTHER_USER: "Other User",
}
# 2014 DUGIS draft abbreviations (stated in that draft).
_ALIASES_2014 = {
    "EIS": UserRole.IMPORT_SUPPLIER,
    "EES": UserRole.EXPORT_SUPPLIER,
    "GIS": UserRole.GAS_SUPPLIER,
    "ENO": UserRole.ELECTRICITY_DISTRIBUTOR,
    "GNO": UserRole.GAS_TRANSPORTER,
}


def _key(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


_LOOKUP: dict[str, UserRole] = {}
for _role in UserRole:
    for _name in (_role.value, _role.name, _TITLES[_role]):
        _LOOKUP[_key(_name)] = _role
_LOOKUP.update(_ALIASES_2014)


def parse_roles(roles: Iterable[str | UserRole] | str) -> frozenset[UserRole]:
    """A frozenset of roles from codes or names; a single string may be comma-separated."""
    items: Iterable[str | UserRole] = roles.split(",") if isinstance(roles, str) else roles
    return frozenset(UserRole.parse(r.strip() if isinstance(r, str) else r) for r in items if r)
