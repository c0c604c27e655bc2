"""A `machine` module for the deploy tests' MicroPython board (the unix port on a pty): the
hardware edge only. ADC inputs read 0, PWM outputs and pins keep their settings, the foot
switch reads open (pull-up), and reset() ends the interpreter with RESET_EXIT so that the
board double boots again and runs main.py, as a hard reset does.
"""

import sys

RESET_EXIT = 77


class Pin:
    IN = 0
    OUT = 1
    PULL_UP = 1
    PULL_DOWN = 2

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self._value = 1 if value is None else value

    def value(self, x=None):
        if x is not None:
            self._value = x
        return self._value


class ADC:
    ATTN_11DB = 3

    def __init__(self, pin):
        self.pin = pin

    def read_u16(self):
        return 0

    def atten(self, value):
        pass


class PWM:
    def __init__(self, pin, freq=0, duty_u16=0):
        self.pin = pin
        self._freq = freq
        self._duty = duty_u16

    def freq(self, value=-1):
        if value >= 0:
            self._freq = value
        return self._freq

    def duty_u16(self, value=-1):
        if value >= 0:
            self._duty = value
        return self._duty

    def duty_ns(self, value=-1):
        if value >= 0:
            self._duty = value
        return self._duty

    def deinit(self):
        self._duty = 0


def reset():
    sys.exit(RESET_EXIT)


def soft_reset():
    raise SystemExit


def unique_id():
    return b"deploy-test"
