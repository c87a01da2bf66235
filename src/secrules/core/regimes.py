"""The two regimes a proposal is evaluated under (named only in proposals, reports and the CLI)."""

from __future__ import annotations

import enum
from typing import Final

from secrules.errors import RegimeError

__all__ = ["BASELINE", "PROPOSED", "REGIMES", "Regime", "check_regime"]


class Regime(enum.StrEnum):
    """``BASELINE``: the code as it stood at the paper's date. ``PROPOSED``: after the reform."""

    BASELINE = "baseline"
    PROPOSED = "proposed"


BASELINE: Final = Regime.BASELINE
PROPOSED: Final = Regime.PROPOSED
REGIMES: Final[tuple[Regime, Regime]] = (Regime.BASELINE, Regime.PROPOSED)


def check_regime(regime: object) -> Regime:
    """The :class:`Regime` named by ``regime`` (a member or its value), else RegimeError."""
    if isinstance(regime, Regime):
        return regime
    if regime == "baseline":
        return Regime.BASELINE
    if regime == "proposed":
        return Regime.PROPOSED
    raise RegimeError(f"unknown regime {regime!r}; expected 'baseline' or 'proposed'")
