"""Pin maps and fixed hardware facts per microcontroller; chosen by sys.platform.

Leg k (0..3) has the hip and knee servos on servo_pins[2k], servo_pins[2k + 1], its touch-down
output on touchdown_pins[k] and its foot switch on contact_pins[k]; its flexor and extensor
are read on ADC channels flexor_channel + 2k and extensor_channel + 2k. The firmware sets up
only the pins of the legs it drives (the deploy-time hard limits say how many).

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
    # or leave n_channels <= 3 on a Pico). More than 4 channels: every channel comes from an
    # MCP3208 (device/mnsu_fw/mcp3208.py) on SPI bus 1 at its MicroPython defaults (1 MHz,
    # mode 0; SCK GPIO10, MOSI GPIO11, MISO GPIO8) with chip select on GPIO9: (bus, cs pin).
    "adc_pins": (26, 27, 28, 29),
    "mcp3208": (1, 9),
    # PWM slice of GPIO n: (n >> 1) & 7, channel A/B: n & 1; two pins on one slice share a
    # frequency, two on one slice and channel share the duty too.
    # hip, knee of LF, RF, LH, RH: 50 Hz servo PWM on slices 0, 6, 7, 3
    "servo_pins": (16, 17, 12, 13, 14, 15, 6, 7),
    "drive_pin": 18,  # drive level PWM -> RC filter -> CPG bias inputs (slice 1 A)
    # touch-down pulse PWM -> RC -> the leg's extensor feedback input, at the drive's frequency:
    # slice 1 B, 2 A, 2 B, 5 B (GPIO27 is free once the MCP3208 reads the channels)
    "touchdown_pins": (19, 4, 5, 27),
    "contact_pins": (20, 21, 22, 3),  # foot switches to GND, internal pull-ups
    "contact_active_low": True,
    "servo_hz": 50,
    "params_file": "params.json",
    "limits_file": "limits.json",  # deploy-time hard limits (mnsu deploy writes it)
    "latch_file": "estop.latch",  # present while the e-stop is latched
}

ESP32 = {
    "name": "esp32",
    # ADC1 channels 0..7 (ADC2 is unusable while Wi-Fi runs), at 11 dB attenuation (0..~3.3 V).
    # GPIO37/38 are not broken out on every module: boards with 3 legs or fewer need 6 channels.
    "adc_pins": (36, 37, 38, 39, 32, 33, 34, 35),
    "adc_atten_11db": True,
    "servo_pins": (18, 19, 21, 22, 23, 4, 16, 17),  # LEDC: 8 servos + drive + 4 touch-down
    "drive_pin": 25,
    "touchdown_pins": (26, 13, 14, 15),
    "contact_pins": (27, 5, 12, 2),  # pull-ups enabled after boot: the straps read as at reset
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
