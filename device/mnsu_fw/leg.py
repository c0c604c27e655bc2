"""From burst envelopes to joint angles and servo pulses, with limits the host cannot override.

Hip target = hip_offset + hip_amp * ((1 + a) * y_E - (1 - a) * y_F); knee target =
knee_offset + knee_amp * y_F (flexor burst = swing, extensor burst
= stance). Angles are centidegrees and envelopes Q15, all integers: no allocation per frame.
"""

JOINTS = 2  # hip, knee


def clamp(x: int, lo: int, hi: int) -> int:
    return lo if x < lo else hi if x > hi else x


class Servo:
    """Calibration of one hobby servo: pulse width for an angle, offset and direction."""

    def __init__(self) -> None:
        self.min_us = 500
        self.max_us = 2500
        self.range_cdeg = 18000
        self.offset_cdeg = 0
        self.direction = 1

    def configure(
        self, min_us: int, max_us: int, range_cdeg: int, offset_cdeg: int, reversed_: bool
    ) -> None:
        self.min_us = min_us
        self.max_us = max_us
        self.range_cdeg = range_cdeg if range_cdeg > 0 else 1
        self.offset_cdeg = offset_cdeg
        self.direction = -1 if reversed_ else 1

    def pulse_us(self, angle_cdeg: int) -> int:
        """Pulse width (us) for a joint angle; the servo's own travel bounds it."""
        center = (self.min_us + self.max_us) >> 1
        span = self.max_us - self.min_us
        us = center + self.direction * (angle_cdeg + self.offset_cdeg) * span // self.range_cdeg
        return clamp(us, self.min_us, self.max_us)


class LegMapper:
    """Targets -> limited, slew-limited angles -> pulses, evaluated once per servo frame."""

    def __init__(self) -> None:
        self.lo = [-3500, 0]  # joint limits (cdeg)
        self.hi = [3500, 7000]
        self.neutral = [0, 1000]
        self.max_step = 800  # cdeg per servo frame
        self.hip_offset = 0
        self.hip_w_e = 3000  # cdeg per unit extensor envelope
        self.hip_w_f = 3000
        self.knee_offset = 1000
        self.knee_amp = 5000
        self.target = [0, 1000]  # requested (before limits and slew)
        self.angle = [0, 1000]  # commanded (after limits and slew)
        self.pulse = [0, 0]  # us; 0 = output off (limp)
        self.servos = [Servo(), Servo()]

    def map_envelopes(self, y_flexor: int, y_extensor: int) -> None:
        """Set the targets from the Q15 envelopes (CPG mode)."""
        self.target[0] = (
            self.hip_offset + ((self.hip_w_e * y_extensor) >> 15) - ((self.hip_w_f * y_flexor) >> 15)
        )
        self.target[1] = self.knee_offset + ((self.knee_amp * y_flexor) >> 15)

    def set_targets(self, hip_cdeg: int, knee_cdeg: int) -> None:
        self.target[0] = hip_cdeg
        self.target[1] = knee_cdeg

    def hold(self) -> None:
        self.target[0] = self.angle[0]
        self.target[1] = self.angle[1]

    def go_neutral(self) -> None:
        self.target[0] = self.neutral[0]
        self.target[1] = self.neutral[1]

    def frame(self, enabled: bool) -> None:
        """One servo frame: clamp the targets to the limits, step towards them, make pulses."""
        step = self.max_step
        for j in range(JOINTS):
            goal = clamp(self.target[j], self.lo[j], self.hi[j])
            now = self.angle[j]
            # A limit changed while the joint was outside it: come back inside at the slew rate.
            delta = clamp(goal - now, -step, step)
            self.angle[j] = now + delta
            self.pulse[j] = self.servos[j].pulse_us(self.angle[j]) if enabled else 0
