"""Pin maps and fixed hardware facts per microcontroller; chosen by sys.platform.

"linux" is the co-simulation (the MicroPython unix port with the machine double): it emulates
the RP2040 pin map, so the same firmware image runs there unchanged.
"""

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

RP2040 = {
    "name": "rp2040",
    # ADC inputs: GPIO26..29 are ADC0..3 (ADC3 is VSYS/3 on a Pico: use a bare RP2040 board
    # or leave n_channels <= 3 on a Pico).
    "adc_pins": (26, 27, 28, 29),
    "servo_pins": (16, 17),  # hip, knee: 50 Hz servo PWM
    "drive_pin": 18,  # drive level PWM -> RC filter -> CPG bias input
    "touchdown_pin": 19,  # touch-down pulse PWM -> RC -> extensor feedback input
    "contact_pin": 20,  # foot switch to GND, internal pull-up
    "contact_active_low": True,
    "servo_hz": 50,
    "params_file": "params.json",
    "limits_file": "limits.json",  # deploy-time hard limits (mnsu deploy writes it)
    "latch_file": "estop.latch",  # present while the e-stop is latched
}

ESP32 = {
    "name": "esp32",
    # ADC1 pins only (ADC2 is unusable while Wi-Fi runs); 11 dB attenuation set in hw.py.
    "adc_pins": (36, 39, 34, 35),
    "servo_pins": (18, 19),
    "drive_pin": 25,
    "touchdown_pin": 26,
    "contact_pin": 27,
    "contact_active_low": True,
    "servo_hz": 50,
    "params_file": "params.json",
    "limits_file": "limits.json",  # deploy-time hard limits (mnsu deploy writes it)
    "latch_file": "estop.latch",  # present while the e-stop is latched
}

BOARDS = {"rp2": RP2040, "esp32": ESP32, "linux": RP2040}


def current() -> "dict[str, Any]":
    """The pin map of the board this firmware runs on (RP2040 when unknown)."""
    return BOARDS.get(sys.platform, RP2040)
