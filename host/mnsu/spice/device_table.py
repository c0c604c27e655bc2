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
CURRENTS = 5  # bias currents, evenly from just above the lower rheobase to the higher latch
FIGURES = ("rate_hz", "width_s", "rise_s", "reset_v")


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


def _spice_unit(
    board: Board, device: DeviceFigures, duration: float, transient: float
) -> dict[str, float | None]:
    """Figures of the transistor-level unit. The device's OFF current near the trigger can be
    close to its holding current, so spikes are the current crossing halfway between the
    pre-trigger current and the ON peak, and the turn-on is timed from 10 % to 90 % of it."""
    net = netlist.build(board, duration, "scr", UNIT_STEP)
    spec = board.neurons[0]
    mem = net.nodes[spec.name]["membrane"]
    run = ngspice.run(net.text.replace(".save ", f".save {mem} "))
    t, i, v = run.time, run.vectors[net.device_current[spec.name]], run.vectors[mem]
    figures: dict[str, float | None] = dict.fromkeys(FIGURES)
    late = t >= transient
    peak = float(i[late].max())
    base = device.I_pre
    if not peak > 2.0 * base:
        return figures  # no spikes: silent, or latched ON
    on, off = crossings(t, i, 0.5 * (base + peak))
    on = on[on >= transient]
    if len(on) < 3:
        return figures
    off = off[off > on[0]]
    n = min(len(on), len(off))
    r10, _ = crossings(t, i, base + 0.1 * (peak - base))
    r90, _ = crossings(t, i, base + 0.9 * (peak - base))
    r10, r90 = r10[r10 >= on[0] - 1e-3], r90[r90 >= on[0] - 1e-3]
    m = min(len(r10), len(r90))
    figures["rate_hz"] = (len(on) - 1) / (on[-1] - on[0])
    figures["width_s"] = float(np.mean(off[:n] - on[:n]))
    figures["rise_s"] = float(np.mean(r90[:m] - r10[:m])) if m else None
    figures["reset_v"] = float(np.mean(np.interp(off[:n], t, v)))
    return figures


def _emulator_unit(board: Board, duration: float, transient: float) -> dict[str, float | None]:
    emu = Emulator(board)
    emu.advance_to(duration)
    spec = board.neurons[0]
    on = [x for x in emu.spikes[0] if x >= transient]
    if len(on) < 3:
        return dict.fromkeys(FIGURES)
    ends = [x for x in emu.spike_ends[0] if x > on[0]]
    n = min(len(on), len(ends))
    return {
        "rate_hz": (len(on) - 1) / (on[-1] - on[0]),
        "width_s": sum(b - a for a, b in zip(on[:n], ends[:n], strict=True)) / n,
        "rise_s": 0.0,  # the ideal device switches instantly
        "reset_v": spec.V_off,
    }


def rheobase(V_th: float, R_leak: float, I_pre: float) -> float:
    """Least bias current that brings the membrane to the trigger (its OFF current I_pre)."""
    return V_th / R_leak + I_pre


def latch_current(V_on: float, R_on: float, I_hold: float, R_leak: float) -> float:
    """Bias current above which the ON device never lets go (the unit latches)."""
    v_off = V_on + I_hold * R_on
    return v_off * (1.0 / R_leak + 1.0 / R_on) - V_on / R_on


def refit(spec: NeuronSpec, device: DeviceFigures, reset_v: float | None) -> NeuronSpec:
    """The unit's board values re-fitted to the measured device (what a builder would set).

    The holding current comes from the reset level seen in the unit's spikes when there is
    one (the device lets go dynamically, above its quasi-static holding point), else from the
    quasi-static sweep."""
    i_hold = device.I_hold
    if reset_v is not None and reset_v > device.V_on:
        i_hold = (reset_v - device.V_on) / device.R_on
    return dataclasses.replace(
        spec,
        V_th=device.V_th,
        I_hold=min(i_hold, 0.999 * (device.V_th - device.V_on) / device.R_on),
        V_on=device.V_on,
        R_on=device.R_on,
        R_off=device.V_th / device.I_pre,
    )


def table(
    board: Board, neuron: str, duration: float = 0.3, transient: float = 0.1
) -> dict[str, Any]:
    """Ideal vs transistor-level figures of one unit of the board, and the re-fitted board."""
    spec = board.neurons[board.neuron_index(neuron)]
    values = scr.design(spec)
    device = device_sweep(spec, values)
    rheo = {
        "ideal": rheobase(spec.V_th, spec.R_leak, spec.V_th / spec.R_off),
        "scr": rheobase(device.V_th, spec.R_leak, device.I_pre),
    }
    latch = {
        "ideal": latch_current(spec.V_on, spec.R_on, spec.I_hold, spec.R_leak),
        "scr": latch_current(device.V_on, device.R_on, device.I_hold, spec.R_leak),
    }
    currents = np.linspace(1.05 * min(rheo.values()), 1.25 * max(latch.values()), CURRENTS)
    spice_rows = [
        _spice_unit(_unit_board(board, spec, bias), device, duration, transient)
        for bias in currents
    ]
    resets = [r["reset_v"] for r in spice_rows if r["reset_v"] is not None]
    fitted = refit(spec, device, resets[0] if resets else None)
    rows = []
    for bias, scr_row in zip(currents, spice_rows, strict=True):
        rows.append(
            {
                "bias_a": float(bias),
                "ideal": _emulator_unit(_unit_board(board, spec, bias), duration, transient),
                "refit": _emulator_unit(_unit_board(board, fitted, bias), duration, transient),
                "scr": scr_row,
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
        "refit_R_off": fitted.R_off,
        "refit_I_hold": fitted.I_hold,
        "rheobase_a": rheo,
        "latch_a": latch,
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
        f"| latches above (uA) | {result['latch_a']['ideal'] * 1e6:.4g} | "
        f"{result['latch_a']['scr'] * 1e6:.4g} | V_on, R_on, I_hold |",
        "",
        f"Re-fitted board: V_th, V_on and R_on of the transistor-level column, R_off = "
        f"{result['refit_R_off']:.4g} ohm, I_hold = {result['refit_I_hold'] * 1e3:.4g} mA "
        "(from the SCR's reset level: it lets go dynamically above its quasi-static holding "
        "point). Rates (Hz), spike widths (ms), the SCR's turn-on "
        "(10-90 % of the current step, us) and the membrane voltage at turn-off (V):",
        "",
        "| bias (uA) | rate ideal | rate re-fit | rate SCR | width ideal | width re-fit "
        "| width SCR | turn-on SCR | reset ideal | reset re-fit | reset SCR |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result["f_i"]:
        a, f, b = row["ideal"], row["refit"], row["scr"]
        lines.append(
            f"| {row['bias_a'] * 1e6:.1f} | {_cell(a['rate_hz'], 1, '.2f')} | "
            f"{_cell(f['rate_hz'], 1, '.2f')} | {_cell(b['rate_hz'], 1, '.2f')} | "
            f"{_cell(a['width_s'], 1e3, '.3f')} | {_cell(f['width_s'], 1e3, '.3f')} | "
            f"{_cell(b['width_s'], 1e3, '.3f')} | {_cell(b['rise_s'], 1e6, '.2f')} | "
            f"{_cell(a['reset_v'], 1, '.3f')} | {_cell(f['reset_v'], 1, '.3f')} | "
            f"{_cell(b['reset_v'], 1, '.3f')} |"
        )
    return "\n".join(lines) + "\n"
