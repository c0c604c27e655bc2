"""The ideal device against the transistor-level thyristor, for one unit of a board.

Two measurements, both in ngspice:

- the device on its own (a quasi-static triangle of anode voltage, 0 -> 1.5*V_th -> 0 with R_on
  from the cathode to ground): where it triggers, where it lets go (the holding current), its
  OFF current just below the trigger, and the straight line V = V_on + I*R_on through its ON
  branch. These are the board values an ideal-device board needs to mimic the part.
- the unit (membrane C, R_leak, bias current, the device) at five bias currents: firing rate,
  spike width, the device current just before turn-on, the 10-90 % rise time of the device
  current (regenerative turn-on) and the membrane voltage at turn-off (the reset level),
  beside the emulator's ideal unit at the same currents.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mnsu.circuit.board import Board, NeuronSpec
from mnsu.circuit.emulator import Emulator
from mnsu.spice import netlist, ngspice, scr
from mnsu.spice.compare import crossings

RAMP_TIME = 20e-3  # s per leg of the quasi-static triangle (>> the BJTs' transit times)
SWEEP_STEP = 1e-6  # s, largest ngspice step of the sweep
UNIT_STEP = 1e-6  # s, largest ngspice step of the unit runs
CURRENT_FACTORS = (1.1, 1.25, 1.5, 2.0, 3.0)  # bias currents as multiples of the larger rheobase


@dataclass(frozen=True)
class DeviceFigures:
    """What an ideal-device board needs to mimic the device (SI units)."""

    V_th: float  # anode voltage at turn-on
    I_hold: float  # current at which it lets go
    V_on: float  # ON branch: V = V_on + I*R_on_fit
    R_on: float
    I_pre: float  # OFF current at 0.99*V_th (the pre-trigger current)


def device_sweep(spec: NeuronSpec, values: scr.ScrValues) -> DeviceFigures:
    """Trigger, holding and ON-branch figures of the two-transistor device (quasi-static)."""
    top = 1.5 * spec.V_th
    text = "\n".join(
        [
            "* mnsu: quasi-static sweep of the two-transistor device M",
            f"Va anode 0 PWL(0 0 {RAMP_TIME:g} {top:.6g} {2 * RAMP_TIME:g} 0)",
            "Vsense anode dev 0",
            "Xm dev cat mnsu_scr",
            f"Rro cat 0 {spec.R_on:.10g}",
            scr.BJT_MODELS.rstrip("\n"),
            scr.subcircuit(scr.SUBCKT_NAME, values).rstrip("\n"),
            netlist.OPTIONS,
            f".tran {SWEEP_STEP:g} {2 * RAMP_TIME:g} 0 {SWEEP_STEP:g}",
            ".save v(anode) i(vsense)",
            ".end",
        ]
    )
    run = ngspice.run(text + "\n")
    t, v, i = run.time, run.vectors["v(anode)"], run.vectors["i(vsense)"]
    up = t <= RAMP_TIME
    # turn-on: the steepest rise of the current on the way up; let go: steepest fall on the way down
    di = np.gradient(i, t)
    k_on = int(np.argmax(np.where(up, di, -np.inf)))
    k_off = int(np.argmin(np.where(~up, di, np.inf)))
    before = max(k_off - 1, 0)
    on_branch = (~up) & (t < t[before]) & (i > 2.0 * i[before])
    slope, intercept = np.polyfit(i[on_branch], v[on_branch], 1)
    v_th = float(v[max(k_on - 1, 0)])
    pre = (up) & (v <= 0.99 * v_th)
    return DeviceFigures(
        V_th=v_th,
        I_hold=float(i[before]),
        V_on=float(intercept),
        R_on=float(slope),
        I_pre=float(i[pre][-1]) if pre.any() else math.nan,
    )


def _unit_board(board: Board, spec: NeuronSpec, bias: float) -> Board:
    """The one unit on its own at a bias current (no synapses, inputs or probes)."""
    return dataclasses.replace(
        board,
        neurons=(dataclasses.replace(spec, I_bias=bias),),
        synapses=(),
        inputs=(),
        probes=(),
    )


def _spice_unit(board: Board, duration: float, transient: float) -> dict[str, float | None]:
    net = netlist.build(board, duration, "scr", UNIT_STEP)
    spec = board.neurons[0]
    mem = net.nodes[spec.name]["membrane"]
    text = net.text.replace(".save ", f".save {mem} ")
    run = ngspice.run(text)
    t, i = run.time, run.vectors[net.device_current[spec.name]]
    on, off = crossings(t, i, spec.I_hold)
    keep = on >= transient
    figures: dict[str, float | None] = {
        "rate_hz": None,
        "width_s": None,
        "rise_s": None,
        "reset_v": None,
        "i_pre_a": None,
    }
    if keep.sum() < 3:
        return figures
    on = on[keep]
    off = off[off > on[0]]
    n = min(len(on), len(off))
    figures["rate_hz"] = (len(on) - 1) / (on[-1] - on[0])
    figures["width_s"] = float(np.mean(off[:n] - on[:n]))
    peak = float(i[t >= on[0]].max())
    r10, _ = crossings(t, i, 0.1 * peak)
    r90, _ = crossings(t, i, 0.9 * peak)
    r10, r90 = r10[r10 >= transient], r90[r90 >= transient]
    m = min(len(r10), len(r90))
    figures["rise_s"] = float(np.mean(r90[:m] - r10[:m])) if m else None
    v = run.vectors[mem]
    figures["reset_v"] = float(np.mean(np.interp(off[:n], t, v)))
    figures["i_pre_a"] = float(np.mean(np.interp(on - 1e-4, t, i)))
    return figures


def _emulator_unit(board: Board, duration: float, transient: float) -> dict[str, float | None]:
    emu = Emulator(board)
    emu.advance_to(duration)
    spec = board.neurons[0]
    on = [x for x in emu.spikes[0] if x >= transient]
    if len(on) < 3:
        return {"rate_hz": None, "width_s": None, "rise_s": None, "reset_v": None, "i_pre_a": None}
    ends = [x for x in emu.spike_ends[0] if x > on[0]]
    n = min(len(on), len(ends))
    return {
        "rate_hz": (len(on) - 1) / (on[-1] - on[0]),
        "width_s": sum(b - a for a, b in zip(on[:n], ends[:n], strict=True)) / n,
        "rise_s": 0.0,  # the ideal device switches instantly
        "reset_v": spec.V_off,
        "i_pre_a": spec.V_th / spec.R_off,
    }


def rheobase_ideal(spec: NeuronSpec) -> float:
    return spec.V_th * (1.0 / spec.R_leak + 1.0 / spec.R_off)


def table(
    board: Board, neuron: str, duration: float = 0.3, transient: float = 0.1
) -> dict[str, Any]:
    """Ideal vs transistor-level figures of one unit of the board."""
    spec = board.neurons[board.neuron_index(neuron)]
    values = scr.design(spec)
    device = device_sweep(spec, values)
    rheo_ideal = rheobase_ideal(spec)
    # the SCR unit fires once the membrane's steady state reaches the device's trigger
    rheo_scr = device.V_th / spec.R_leak + device.I_pre
    base = max(rheo_ideal, rheo_scr)
    rows = []
    for factor in CURRENT_FACTORS:
        bias = factor * base
        unit = _unit_board(board, spec, bias)
        rows.append(
            {
                "bias_a": bias,
                "ideal": _emulator_unit(unit, duration, transient),
                "scr": _spice_unit(unit, duration, transient),
            }
        )
    return {
        "board": board.name,
        "neuron": neuron,
        "scr_values": dataclasses.asdict(values),
        "ideal_device": {
            "V_th": spec.V_th,
            "I_hold": spec.I_hold,
            "V_on": spec.V_on,
            "R_on": spec.R_on,
            "I_pre": spec.V_th / spec.R_off,
        },
        "scr_device": dataclasses.asdict(device),
        "rheobase_a": {"ideal": rheo_ideal, "scr": rheo_scr},
        "f_i": rows,
    }


def _cell(value: float | None, scale: float, spec: str) -> str:
    return "-" if value is None or not math.isfinite(value) else format(value * scale, spec)


def markdown(result: dict[str, Any]) -> str:
    """The table as Markdown (docs/spice.md embeds what this prints)."""
    ideal, dev = result["ideal_device"], result["scr_device"]
    sv = result["scr_values"]
    lines = [
        f"Unit {result['neuron']} of `{result['board']}`; two-transistor device with "
        f"R_m = {sv['R_m']:.4g} ohm, R_gk = {sv['R_gk']:.4g} ohm (designed for V_th and I_hold).",
        "",
        "| device figure | ideal (board) | transistor level | board value to re-fit |",
        "|---|---|---|---|",
        f"| trigger voltage V_th (V) | {ideal['V_th']:.4g} | {dev['V_th']:.4g} | V_th |",
        f"| holding current I_hold (mA) | {ideal['I_hold'] * 1e3:.4g} | "
        f"{dev['I_hold'] * 1e3:.4g} | I_hold |",
        f"| ON branch V_on (V) | {ideal['V_on']:.4g} | {dev['V_on']:.4g} | V_on |",
        f"| ON branch R_on (ohm) | {ideal['R_on']:.4g} | {dev['R_on']:.4g} | R_on |",
        f"| pre-trigger current (uA) | {ideal['I_pre'] * 1e6:.4g} | {dev['I_pre'] * 1e6:.4g} "
        "| R_off = V_th / I_pre |",
        f"| rheobase (uA) | {result['rheobase_a']['ideal'] * 1e6:.4g} | "
        f"{result['rheobase_a']['scr'] * 1e6:.4g} | R_leak, R_off |",
        "",
        "| bias (uA) | rate ideal (Hz) | rate SCR (Hz) | width ideal (ms) | width SCR (ms) "
        "| turn-on 10-90 % SCR (us) | reset ideal (V) | reset SCR (V) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in result["f_i"]:
        a, b = row["ideal"], row["scr"]
        lines.append(
            f"| {row['bias_a'] * 1e6:.1f} | {_cell(a['rate_hz'], 1, '.2f')} | "
            f"{_cell(b['rate_hz'], 1, '.2f')} | {_cell(a['width_s'], 1e3, '.3f')} | "
            f"{_cell(b['width_s'], 1e3, '.3f')} | {_cell(b['rise_s'], 1e6, '.2f')} | "
            f"{_cell(a['reset_v'], 1, '.3f')} | {_cell(b['reset_v'], 1, '.3f')} |"
        )
    return "\n".join(lines) + "\n"
