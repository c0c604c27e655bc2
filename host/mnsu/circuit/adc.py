"""The analog front end and converter between a board node and a microcontroller ADC."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from mnsu.circuit.board import ProbeSpec


def adc_code(probe: ProbeSpec, volts: float, noise_sample: float = 0.0) -> int:
    """Code an ideal `bits`-bit ADC reads for node voltage `volts`.

    The front end scales and shifts (gain*V + offset), `noise_sample` is that read's noise in
    volts at the ADC pin; the converter has LSB = vref/2**bits and saturates at 0 and full scale.
    """
    full = (1 << probe.bits) - 1
    pin = probe.gain * volts + probe.offset + noise_sample
    code = math.floor(pin / probe.vref * (1 << probe.bits))
    if code < 0:
        return 0
    if code > full:
        return full
    return code


def adc_codes(
    probe: ProbeSpec, volts: NDArray[np.float64], noise: NDArray[np.float64] | None = None
) -> NDArray[np.int64]:
    """Vectorised adc_code over a trace."""
    pin = probe.gain * volts + probe.offset
    if noise is not None:
        pin = pin + noise
    codes = np.floor(pin / probe.vref * (1 << probe.bits))
    return np.clip(codes, 0, (1 << probe.bits) - 1).astype(np.int64)


def code_to_volts(probe: ProbeSpec, code: int) -> float:
    """Node voltage a code stands for (the middle of its bin), undoing the front end."""
    pin = (code + 0.5) * probe.vref / (1 << probe.bits)
    return (pin - probe.offset) / probe.gain
