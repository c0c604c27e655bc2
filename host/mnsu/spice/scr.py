"""The device M at transistor level: a thyristor (PNP + NPN) with a resistor R_m from anode to gate.

The two-transistor equivalent of a thyristor: the PNP's emitter is the anode, its base the
n-gate, its collector the p-gate; the NPN's collector is the n-gate, its base the p-gate, its
emitter the cathode. R_m runs from the anode to the p-gate (the published unit's two-terminal
device), R_gk from the p-gate to the cathode (the gate shunt of a sensitive-gate part). The
cathode returns to ground through the board's R_on, so the readout I_M*R_on is the cathode node.

Values are chosen in closed form from the board's V_th and I_hold (the physics below), and the
command `mnsu spice-device` measures where the transistor-level device really lands:

- trigger: with the device OFF its current runs anode -> R_m -> gate -> R_gk -> cathode -> R_on.
  The NPN-PNP loop regenerates once the NPN's transconductance reaches 1/(beta_p*R_gk), at a
  gate-cathode voltage V_GT (IS*exp(V_GT/V_T) = V_T/(beta_p*R_gk)), so the membrane voltage at
  turn-on is V_th = V_GT*(1 + R_m/R_gk) + (V_GT/R_gk)*R_on.
- holding: ON, the PNP's collector current alpha_p*I and R_m's current (V_on - V_GT)/R_m must
  keep feeding R_gk with V_GT/R_gk, so I_hold = (V_GT/R_gk - (V_on - V_GT)/R_m)/alpha_p.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from mnsu.circuit.board import NeuronSpec

# Generic small-signal BJT models (Gummel-Poon): a fast NPN and a slow, low-gain PNP as in a
# thyristor's wide n-base. TF (forward transit time) sets the regenerative turn-on and the
# stored charge that must recombine before the device turns off.
THERMAL_VOLTAGE = 0.025852  # kT/q at 300 K (V)
NPN_IS = 1e-14  # A
NPN_BF = 100.0
PNP_IS = 1e-14  # A
PNP_BF = 2.0
BJT_MODELS = (
    f".model mnsu_npn NPN(IS={NPN_IS:g} BF={NPN_BF:g} BR=1 TF=100n TR=1u CJE=5p CJC=5p)\n"
    f".model mnsu_pnp PNP(IS={PNP_IS:g} BF={PNP_BF:g} BR=1 TF=1u TR=10u CJE=5p CJC=5p)\n"
)
SUBCKT_NAME = "mnsu_scr"


class ScrModelError(ValueError):
    """A user SCR model file that cannot be used (the message names the file)."""


@dataclass(frozen=True)
class ScrValues:
    R_m: float  # anode to gate (ohm)
    R_gk: float  # gate to cathode (ohm)
    V_GT: float  # gate-cathode voltage at which the loop regenerates (V)


def design(spec: NeuronSpec) -> ScrValues:
    """R_m and R_gk that put the two-transistor device's trigger at V_th and its holding
    current at I_hold (closed form above, solved by fixed-point iteration)."""
    alpha_p = PNP_BF / (PNP_BF + 1.0)
    r_gk = 1e3
    r_m = 1e3
    v_gt = 0.55
    for _ in range(50):
        v_gt = THERMAL_VOLTAGE * math.log(THERMAL_VOLTAGE / (PNP_BF * r_gk * NPN_IS))
        # trigger: V_th = V_GT*(1 + R_m/R_gk) + V_GT*R_on/R_gk
        ratio = (spec.V_th - v_gt * spec.R_on / r_gk) / v_gt - 1.0
        r_m = max(ratio, 0.01) * r_gk
        # holding: alpha_p*I_hold + (V_on - V_GT)/R_m = V_GT/R_gk
        feed = alpha_p * spec.I_hold + max(spec.V_on - v_gt, 0.0) / r_m
        r_gk = v_gt / feed
    return ScrValues(R_m=r_m, R_gk=r_gk, V_GT=v_gt)


def subcircuit(name: str, values: ScrValues) -> str:
    """The two-transistor thyristor with R_m and R_gk as a two-pin subcircuit (anode, cathode)."""
    return (
        f".subckt {name} anode cathode\n"
        "* PNP: emitter = anode, base = n-gate, collector = p-gate\n"
        "Qp gate ngate anode mnsu_pnp\n"
        "* NPN: collector = n-gate, base = p-gate, emitter = cathode\n"
        "Qn ngate gate cathode mnsu_npn\n"
        f"Rm anode gate {values.R_m:.6g}\n"
        f"Rgk gate cathode {values.R_gk:.6g}\n"
        f".ends {name}\n"
    )


_SUBCKT = re.compile(r"^\s*\.subckt\s+(\S+)((?:\s+[^\s=]+)*?)(\s+\S+=.*)?$", re.IGNORECASE)


def user_model(path: str) -> tuple[str, str]:
    """Read a user SCR model file: (its text, the name of its two-pin subcircuit)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ScrModelError(f"{path}: cannot read the SCR model: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ScrModelError(f"{path}: the SCR model is not UTF-8 text") from None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SUBCKT.match(line)
        if match is None:
            continue
        pins = match.group(2).split()
        if len(pins) == 2:
            return text, match.group(1)
        raise ScrModelError(
            f"{path}:{number}: subcircuit {match.group(1)!r} has {len(pins)} pins; "
            "the device M needs two (anode, cathode)"
        )
    raise ScrModelError(f"{path}: no .subckt line; expected '.subckt NAME anode cathode'")
