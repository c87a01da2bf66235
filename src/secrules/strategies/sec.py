"""Hypothesis strategies for SEC User Roles, role sets and regimes."""

from __future__ import annotations

from hypothesis import strategies as st

from secrules.core.regimes import REGIMES, Regime
from secrules.sec.roles import UserRole

__all__ = ["regimes", "role_sets", "user_roles"]


def user_roles() -> st.SearchStrategy[UserRole]:
    """Any of the seven SEC User Roles."""
    return st.sampled_from(list(UserRole))


def role_sets(
    *, min_size: int = 1, within: frozenset[UserRole] | None = None
) -> st.SearchStrategy[frozenset[UserRole]]:
    """Sets of User Roles (non-empty by default: an empty set is not a User).

    ``within`` restricts the roles drawn, e.g. to ``secrules.sec.section_g.ES_RSA``.
    """
    pool = sorted(within if within is not None else set(UserRole), key=lambda r: r.value)
    return st.frozensets(st.sampled_from(pool), min_size=min_size, max_size=len(pool))


def regimes() -> st.SearchStrategy[Regime]:
    """``"baseline"`` or ``"proposed"``."""
    return st.sampled_from(REGIMES)
