"""The two regimes every proposal is evaluated under."""

from __future__ import annotations

from typing import Final, Literal

from secrules.errors import RegimeError

__all__ = ["BASELINE", "PROPOSED", "REGIMES", "Regime", "check_regime"]

Regime = Literal["baseline", "proposed"]
BASELINE: Final = "baseline"
PROPOSED: Final = "proposed"
REGIMES: Final[tuple[Regime, Regime]] = ("baseline", "proposed")


def check_regime(regime: str) -> Regime:
    """Return ``regime`` if it is ``"baseline"`` or ``"proposed"``, else raise RegimeError."""
    if regime == "baseline":
        return "baseline"
    if regime == "proposed":
        return "proposed"
    raise RegimeError(f"unknown regime {regime!r}; expected 'baseline' or 'proposed'")
