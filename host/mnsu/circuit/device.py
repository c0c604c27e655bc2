"""The device M on its own: a thyristor plus a resistor acting as a volatile memristor.

OFF: I = V/R_off. ON: I = max(V - V_on, 0)/R_on. OFF->ON when V reaches V_th; ON->OFF when the
current falls below the holding current, i.e. V < V_off = V_on + I_hold*R_on. A quasi-static
voltage ramp therefore traces a hysteresis loop between V_th (going up) and V_off (coming down).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mnsu.circuit.board import NeuronSpec


@dataclass(frozen=True)
class Device:
    V_th: float
    V_on: float
    R_on: float
    I_hold: float
    R_off: float

    @classmethod
    def of(cls, spec: NeuronSpec) -> Device:
        return cls(spec.V_th, spec.V_on, spec.R_on, spec.I_hold, spec.R_off)

    @property
    def V_off(self) -> float:
        return self.V_on + self.I_hold * self.R_on

    def current(self, volts: float, on: bool) -> float:
        """Current through M (A) at `volts` across it in the given state."""
        if on:
            return max(volts - self.V_on, 0.0) / self.R_on
        return volts / self.R_off

    def next_state(self, volts: float, on: bool) -> bool:
        """State after the voltage across M is set to `volts` (quasi-static)."""
        if on:
            return self.current(volts, True) >= self.I_hold
        return volts >= self.V_th


def iv_sweep(device: Device, volts: Sequence[float]) -> list[tuple[float, float, bool]]:
    """Quasi-static sweep: (V, I, on) at each voltage of the sequence, starting OFF."""
    on = False
    out = []
    for v in volts:
        on = device.next_state(v, on)
        out.append((v, device.current(v, on), on))
    return out
