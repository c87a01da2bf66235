"""The Smart Energy Code's User Roles and Section G (Security) applicability."""

from secrules.sec.roles import UserRole, parse_roles

__all__ = ["UserRole", "parse_roles"]
