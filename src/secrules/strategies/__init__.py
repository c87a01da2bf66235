"""Public Hypothesis strategies for secrules' domain values, for users' own property tests.

Requires Hypothesis (``pip install 'secrules[strategies]'``). Import what you need::

    from secrules.strategies import role_sets
"""

from __future__ import annotations

from secrules.strategies.sec import regimes, role_sets, user_roles

__all__ = ["regimes", "role_sets", "user_roles"]
