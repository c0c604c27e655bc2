"""The robot description: one source (the board file's `leg` section), two formats.

- `urdf(board)`: the leg as a robot for ROS (`robot_description`) and any URDF reader: a
  `carriage` link (the hip servo on the rig's carriage), `thigh`, `shank` and `foot` links with
  lengths, masses and inertias, revolute hip and knee joints with the deploy-time limits (rad),
  effort and velocity limits from the servo spec.
- `mjcf(board)`: the same links for MuJoCo, plus what a URDF cannot say: the test rig (the
  carriage slides freely forward and up/down, partly carried by a counterweight and a spring),
  the servos as position actuators, the floor (flat, or a height field) and contact friction.

A board with a `legs` section of two to four legs (and optionally a `body`): the quadruped,
`quadruped_urdf` / `quadruped_mjcf` (below): a trunk box on a free joint (no rig), every leg
above hung from a hip at a corner of the trunk, joint and actuator names prefixed with the
leg's name (LF_hip, LF_knee, ...); `urdf()` and `mjcf()` pick it for such a board.

Frames (both formats): x forward, z up, the leg in the x-z plane. The hip joint turns about +y,
so a positive hip angle swings the foot back (extension, the firmware's sign); the knee turns
about -y, so a positive knee angle swings the shank forward and up (flexion). At zero angles the
leg hangs straight down from the hip. Each link's body frame sits at its proximal joint; the
thigh and shank are uniform rods (capsules of radius ROD_RADIUS_M) along -z.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from mnsu.circuit.board import Board, BodySpec, LegSpec

ROD_RADIUS_M = 0.008  # thigh and shank: capsules of this radius
FOOT_MASS_KG = 0.005  # the foot pad (part of the shank's mass budget in neither format)
CARRIAGE_SIZE_M = (0.06, 0.04, 0.03)  # carriage box: length x width x height
GRAVITY_M_S2 = 9.81  # MuJoCo's default gravity magnitude
TIMESTEP_S = 0.0005  # physics step: one firmware control tick at 2 kHz
HFIELD_CELL_M = 0.02  # uneven ground: one random height per this much floor
HFIELD_LENGTH_M = 12.0  # uneven ground extends this far each way from the start


class DescriptionError(ValueError):
    """A board whose leg cannot be described (no `leg` section, not two joints)."""


@dataclass(frozen=True)
class Link:
    """One rigid link: mass (kg), centre of mass below its joint (m), principal inertia."""

    name: str
    mass: float
    com_z: float  # centre of mass along the link's z axis (negative: below the joint)
    inertia: tuple[float, float, float]  # ixx, iyy, izz about the centre of mass (kg m^2)


def _leg(board: Board) -> LegSpec:
    leg = board.leg
    if leg is None:
        raise DescriptionError(f"{board.source}: no `leg` section to describe")
    if len(leg.joints) != 2:
        names = [j.name for j in leg.joints]
        raise DescriptionError(
            f"{board.source}: leg.joints: the leg needs exactly 2 joints (hip, knee), got {names}"
        )
    return leg


def rod_inertia(mass: float, length: float, radius: float) -> tuple[float, float, float]:
    """Solid cylinder about its centre, axis z: (ixx, iyy, izz) in kg m^2."""
    across = mass * (3.0 * radius**2 + length**2) / 12.0
    return across, across, 0.5 * mass * radius**2


def box_inertia(mass: float, size: Sequence[float]) -> tuple[float, float, float]:
    """Solid box of full lengths (x, y, z) about its centre: (ixx, iyy, izz) in kg m^2."""
    x, y, z = size
    return (
        mass * (y * y + z * z) / 12.0,
        mass * (x * x + z * z) / 12.0,
        mass * (x * x + y * y) / 12.0,
    )


def links(leg: LegSpec) -> tuple[Link, Link, Link, Link]:
    """Carriage, thigh, shank and foot with their masses and inertias."""
    r = leg.foot_radius
    foot_i = 0.4 * FOOT_MASS_KG * r * r
    return (
        Link("carriage", leg.carriage_mass, 0.0, box_inertia(leg.carriage_mass, CARRIAGE_SIZE_M)),
        Link(
            "thigh",
            leg.thigh_mass,
            -leg.thigh_length / 2,
            rod_inertia(leg.thigh_mass, leg.thigh_length, ROD_RADIUS_M),
        ),
        Link(
            "shank",
            leg.shank_mass,
            -leg.shank_length / 2,
            rod_inertia(leg.shank_mass, leg.shank_length, ROD_RADIUS_M),
        ),
        Link("foot", FOOT_MASS_KG, 0.0, (foot_i, foot_i, foot_i)),
    )


def rig_height(leg: LegSpec) -> float:
    """Hip height (m) the rig's spring pulls towards: the carriage's zero position."""
    return leg.rig.height if leg.rig.height > 0.0 else leg.length + leg.foot_radius


def robot_mass(leg: LegSpec) -> float:
    """Everything the rig carries (kg): carriage, thigh, shank and foot."""
    return sum(link.mass for link in links(leg))


def _f(x: float) -> str:
    return f"{x:.6g}"


def _v(xs: Sequence[float]) -> str:
    return " ".join(_f(x) for x in xs)


# ------------------------------------------------------------------------------------ URDF
def _urdf_link(link: Link, visual: str) -> str:
    ixx, iyy, izz = link.inertia
    return (
        f'  <link name="{link.name}">\n'
        f"    <inertial>\n"
        f'      <origin xyz="0 0 {_f(link.com_z)}"/>\n'
        f'      <mass value="{_f(link.mass)}"/>\n'
        f'      <inertia ixx="{_f(ixx)}" ixy="0" ixz="0" iyy="{_f(iyy)}" iyz="0" '
        f'izz="{_f(izz)}"/>\n'
        f"    </inertial>\n"
        f"{visual}"
        f"  </link>\n"
    )


def _urdf_shape(shape: str, z: float) -> str:
    return "".join(
        f'    <{tag}>\n      <origin xyz="0 0 {_f(z)}"/>\n      <geometry>{shape}</geometry>\n'
        f"    </{tag}>\n"
        for tag in ("visual", "collision")
    )


def urdf(board: Board) -> str:
    """The leg as URDF (see the module docstring): links, revolute hip and knee, fixed foot.
    A board with a `legs` section of several legs: the quadruped (`quadruped_urdf`)."""
    if board.leg is None and len(board.legs) > 1:
        return quadruped_urdf(board)
    leg = _leg(board)
    carriage, thigh, shank, foot = links(leg)
    hip, knee = leg.joints
    servo = leg.servo
    velocity = math.radians(servo.speed_dps)
    parts = [
        '<?xml version="1.0"?>\n',
        f"<robot name={quoteattr(board.name + '_leg')}>\n",
        f"  <!-- generated by mnsu from {board.source} (leg section); do not edit -->\n",
        _urdf_link(carriage, _urdf_shape(f'<box size="{_v(CARRIAGE_SIZE_M)}"/>', 0.0)),
        _urdf_link(
            thigh,
            _urdf_shape(
                f'<cylinder radius="{_f(ROD_RADIUS_M)}" length="{_f(leg.thigh_length)}"/>',
                thigh.com_z,
            ),
        ),
        _urdf_link(
            shank,
            _urdf_shape(
                f'<cylinder radius="{_f(ROD_RADIUS_M)}" length="{_f(leg.shank_length)}"/>',
                shank.com_z,
            ),
        ),
        _urdf_link(foot, _urdf_shape(f'<sphere radius="{_f(leg.foot_radius)}"/>', 0.0)),
    ]
    for joint, parent, child, z, axis in (
        (hip, "carriage", "thigh", 0.0, "0 1 0"),
        (knee, "thigh", "shank", -leg.thigh_length, "0 -1 0"),
    ):
        parts.append(
            f'  <joint name="{joint.name}" type="revolute">\n'
            f'    <parent link="{parent}"/>\n'
            f'    <child link="{child}"/>\n'
            f'    <origin xyz="0 0 {_f(z)}"/>\n'
            f'    <axis xyz="{axis}"/>\n'
            f'    <limit lower="{_f(math.radians(joint.min_deg))}" '
            f'upper="{_f(math.radians(joint.max_deg))}" effort="{_f(servo.torque)}" '
            f'velocity="{_f(velocity)}"/>\n'
            f'    <dynamics damping="{_f(servo.damping)}"/>\n'
            f"  </joint>\n"
        )
    parts.append(
        '  <joint name="foot" type="fixed">\n'
        '    <parent link="shank"/>\n'
        '    <child link="foot"/>\n'
        f'    <origin xyz="0 0 {_f(-leg.shank_length)}"/>\n'
        "  </joint>\n"
        "</robot>\n"
    )
    return "".join(parts)


# ------------------------------------------------------------------------------------ MJCF
def terrain_heights(amplitude_m: float, seed: int, cells: int) -> list[float]:
    """Uneven ground: one height per cell, uniform in [0, amplitude_m], flat near the start.

    Deterministic for a seed (a linear congruential generator, so the sequence does not depend
    on Python's `random` implementation).
    """
    state = (seed * 2654435761 + 12345) % 2**32
    heights = []
    centre = cells // 2
    for i in range(cells):
        state = (1664525 * state + 1013904223) % 2**32
        flat = abs(i - centre) * HFIELD_CELL_M < 0.15  # the leg starts on level ground
        heights.append(0.0 if flat else amplitude_m * state / 2**32)
    return heights


def _inertial(link: Link) -> str:
    return (
        f'<inertial pos="0 0 {_f(link.com_z)}" mass="{_f(link.mass)}" '
        f'diaginertia="{_v(link.inertia)}"/>'
    )


def mjcf(board: Board, terrain_m: float = 0.0, seed: int = 1) -> str:
    """The leg on its rig for MuJoCo (see the module docstring).

    terrain_m > 0: the floor is a height field with bumps up to terrain_m high, one per
    HFIELD_CELL_M along x (seeded); otherwise a flat plane at z = 0.
    A board with a `legs` section of several legs: the free-floating quadruped
    (`quadruped_mjcf`).
    """
    if board.leg is None and len(board.legs) > 1:
        return quadruped_mjcf(board, terrain_m)
    leg = _leg(board)
    if not (terrain_m >= 0.0 and math.isfinite(terrain_m)):
        raise DescriptionError(f"terrain height must be >= 0 m, got {terrain_m!r}")
    carriage, thigh, shank, foot = links(leg)
    hip, knee = leg.joints
    servo, rig = leg.servo, leg.rig
    counterweight = rig.support * robot_mass(leg) * GRAVITY_M_S2
    rest = rig_height(leg)
    friction = f"{_f(leg.foot_friction)} 0.005 0.0001"
    if terrain_m > 0.0:
        cells = int(2 * HFIELD_LENGTH_M / HFIELD_CELL_M)
        heights = terrain_heights(terrain_m, seed, cells)
        elevation = " ".join(_f(h / terrain_m) for h in heights for _ in range(2))
        asset = (
            f'  <asset><hfield name="terrain" nrow="2" ncol="{cells}" '
            f'size="{_f(HFIELD_LENGTH_M)} 0.2 {_f(terrain_m)} 0.05" elevation="{elevation}"/>'
            f"</asset>\n"
        )
        floor = f'<geom name="floor" type="hfield" hfield="terrain" friction="{friction}"/>'
    else:
        asset = ""
        floor = f'<geom name="floor" type="plane" size="20 1 0.1" friction="{friction}"/>'
    lo = [math.radians(j.min_deg) for j in (hip, knee)]
    hi = [math.radians(j.max_deg) for j in (hip, knee)]
    return (
        f"<mujoco model={quoteattr(board.name + '_leg_rig')}>\n"
        f"  <!-- generated by mnsu from {board.source} (leg section); do not edit -->\n"
        '  <compiler angle="radian"/>\n'
        f'  <option timestep="{_f(TIMESTEP_S)}" gravity="0 0 {_f(-GRAVITY_M_S2)}"/>\n'
        '  <visual><global offwidth="640" offheight="480"/></visual>\n'
        f"{asset}"
        "  <default>\n"
        '    <geom contype="1" conaffinity="1" condim="3" rgba="0.7 0.7 0.75 1"/>\n'
        "  </default>\n"
        "  <worldbody>\n"
        '    <light pos="0 -1 2" dir="0 0.5 -1"/>\n'
        f"    {floor}\n"
        f'    <body name="carriage" pos="0 0 {_f(rest)}">\n'
        f'      <joint name="rig_x" type="slide" axis="1 0 0" damping="{_f(rig.drag)}"/>\n'
        f'      <joint name="rig_z" type="slide" axis="0 0 1" stiffness="{_f(rig.stiffness)}" '
        f'damping="{_f(rig.damping)}"/>\n'
        f"      {_inertial(carriage)}\n"
        f'      <geom name="carriage" type="box" size="{_v([s / 2 for s in CARRIAGE_SIZE_M])}" '
        'rgba="0.3 0.4 0.8 1"/>\n'
        '      <body name="thigh">\n'
        f'        <joint name="{hip.name}" type="hinge" axis="0 1 0" limited="true" '
        f'range="{_f(lo[0])} {_f(hi[0])}" armature="{_f(servo.armature)}"/>\n'
        f"        {_inertial(thigh)}\n"
        f'        <geom name="thigh" type="capsule" fromto="0 0 0 0 0 {_f(-leg.thigh_length)}" '
        f'size="{_f(ROD_RADIUS_M)}" rgba="0.9 0.5 0.2 1"/>\n'
        f'        <body name="shank" pos="0 0 {_f(-leg.thigh_length)}">\n'
        f'          <joint name="{knee.name}" type="hinge" axis="0 -1 0" limited="true" '
        f'range="{_f(lo[1])} {_f(hi[1])}" armature="{_f(servo.armature)}"/>\n'
        f"          {_inertial(shank)}\n"
        f'          <geom name="shank" type="capsule" fromto="0 0 0 0 0 '
        f'{_f(-leg.shank_length + leg.foot_radius)}" size="{_f(ROD_RADIUS_M * 0.8)}" '
        'rgba="0.9 0.6 0.3 1"/>\n'
        f'          <body name="foot" pos="0 0 {_f(-leg.shank_length)}">\n'
        f"            {_inertial(foot)}\n"
        f'            <geom name="foot" type="sphere" size="{_f(leg.foot_radius)}" '
        f'friction="{friction}" rgba="0.2 0.2 0.2 1"/>\n'
        "          </body>\n"
        "        </body>\n"
        "      </body>\n"
        "    </body>\n"
        "  </worldbody>\n"
        "  <contact>\n"
        '    <exclude body1="carriage" body2="shank"/>\n'
        "  </contact>\n"
        "  <actuator>\n"
        f'    <general name="counterweight" joint="rig_z" gainprm="0" biastype="affine" '
        f'biasprm="{_f(counterweight)} 0 0"/>\n'
        + "".join(
            f'    <position name="{j.name}" joint="{j.name}" kp="{_f(servo.gain)}" '
            f'kv="{_f(servo.damping)}" ctrlrange="{_f(lo[i])} {_f(hi[i])}" '
            f'forcerange="{_f(-servo.torque)} {_f(servo.torque)}"/>\n'
            for i, j in enumerate((hip, knee))
        )
        + "  </actuator>\n"
        "</mujoco>\n"
    )


# ------------------------------------------------------------------------------ quadruped
# A board with a `legs` section: a trunk (the board file's `body`, a box) with every leg of the
# section hung from a hip at one of its lower corners, free-floating (no rig). Every leg is the
# single leg above (same links, joint axes and signs, servos), its names prefixed with the leg's
# (LF_thigh, LF_hip, ...). Robot geoms collide with the floor only (contype 2, conaffinity 1).


def _quad_legs(board: Board) -> tuple[LegSpec, ...]:
    legs = board.legs
    if len(legs) < 2:
        raise DescriptionError(f"{board.source}: no `legs` section of two or more legs")
    for leg in legs:
        if len(leg.joints) != 2:
            names = [j.name for j in leg.joints]
            raise DescriptionError(
                f"{board.source}: legs.{leg.name}.joints: a leg needs exactly 2 joints "
                f"(hip, knee), got {names}"
            )
        leg_mount(leg.name, board.body or BodySpec(), board.source)
    return legs


def leg_mount(name: str, body: BodySpec, source: str = "<board>") -> tuple[float, float, float]:
    """The hip of leg `name` in the trunk's frame (m): a lower corner of the body box, front or
    hind from the name's second letter (F/H), left or right from its first (L/R)."""
    key = name.upper()
    if len(key) != 2 or key[0] not in "LR" or key[1] not in "FH":
        raise DescriptionError(
            f"{source}: legs.{name}: a leg of a body is named by side and end (LF, RF, LH, RH)"
        )
    x = 0.5 * body.length * (1.0 if key[1] == "F" else -1.0)
    y = 0.5 * body.width * (1.0 if key[0] == "L" else -1.0)
    return x, y, -0.5 * body.height


def neutral_hip_drop(leg: LegSpec) -> float:
    """Height (m) of the hip over the floor with the leg at its neutral angles, foot down."""
    hip, knee = leg.joints
    h = math.radians(hip.neutral_deg)
    s = math.radians(hip.neutral_deg - knee.neutral_deg)
    return leg.thigh_length * math.cos(h) + leg.shank_length * math.cos(s) + leg.foot_radius


def quadruped_mass(board: Board) -> float:
    """Trunk plus every leg's thigh, shank and foot (kg)."""
    body = board.body or BodySpec()
    return body.mass + sum(link.mass for leg in board.legs for link in links(leg)[1:])


def trunk_height(board: Board) -> float:
    """Height (m) of the trunk's centre at the start: every foot on the floor at neutral."""
    body = board.body or BodySpec()
    return max(neutral_hip_drop(leg) for leg in board.legs) + 0.5 * body.height


def quadruped_joint_names(board: Board) -> list[str]:
    """Joint names in firmware servo order: leg k's hip (servo 2k) and knee (servo 2k + 1)."""
    return [f"{leg.name}_{j.name}" for leg in board.legs for j in leg.joints]


def quadruped_urdf(board: Board) -> str:
    """The quadruped as URDF: a `trunk` base link, per leg `<leg>_thigh`, `<leg>_shank` and
    `<leg>_foot` links, revolute `<leg>_<hip>` and `<leg>_<knee>` joints (limits in rad,
    effort and velocity from the servo spec), the trunk's free motion left to the reader."""
    legs = _quad_legs(board)
    body = board.body or BodySpec()
    trunk = Link(
        "trunk", body.mass, 0.0, box_inertia(body.mass, (body.length, body.width, body.height))
    )
    size = _v((body.length, body.width, body.height))
    parts = [
        '<?xml version="1.0"?>\n',
        f"<robot name={quoteattr(board.name)}>\n",
        f"  <!-- generated by mnsu from {board.source} (legs and body); do not edit -->\n",
        _urdf_link(trunk, _urdf_shape(f'<box size="{size}"/>', 0.0)),
    ]
    for leg in legs:
        _, thigh, shank, foot = links(leg)
        n = leg.name
        hip, knee = leg.joints
        velocity = math.radians(leg.servo.speed_dps)
        for link, shape, z in (
            (
                thigh,
                f'<cylinder radius="{_f(ROD_RADIUS_M)}" length="{_f(leg.thigh_length)}"/>',
                thigh.com_z,
            ),
            (
                shank,
                f'<cylinder radius="{_f(ROD_RADIUS_M)}" length="{_f(leg.shank_length)}"/>',
                shank.com_z,
            ),
            (foot, f'<sphere radius="{_f(leg.foot_radius)}"/>', 0.0),
        ):
            named = Link(f"{n}_{link.name}", link.mass, link.com_z, link.inertia)
            parts.append(_urdf_link(named, _urdf_shape(shape, z)))
        mx, my, mz = leg_mount(n, body, board.source)
        for joint, parent, child, xyz, axis in (
            (hip, "trunk", f"{n}_thigh", (mx, my, mz), "0 1 0"),
            (knee, f"{n}_thigh", f"{n}_shank", (0.0, 0.0, -leg.thigh_length), "0 -1 0"),
        ):
            parts.append(
                f'  <joint name="{n}_{joint.name}" type="revolute">\n'
                f'    <parent link="{parent}"/>\n'
                f'    <child link="{child}"/>\n'
                f'    <origin xyz="{_v(xyz)}"/>\n'
                f'    <axis xyz="{axis}"/>\n'
                f'    <limit lower="{_f(math.radians(joint.min_deg))}" '
                f'upper="{_f(math.radians(joint.max_deg))}" effort="{_f(leg.servo.torque)}" '
                f'velocity="{_f(velocity)}"/>\n'
                f'    <dynamics damping="{_f(leg.servo.damping)}"/>\n'
                f"  </joint>\n"
            )
        parts.append(
            f'  <joint name="{n}_foot" type="fixed">\n'
            f'    <parent link="{n}_shank"/>\n'
            f'    <child link="{n}_foot"/>\n'
            f'    <origin xyz="0 0 {_f(-leg.shank_length)}"/>\n'
            "  </joint>\n"
        )
    parts.append("</robot>\n")
    return "".join(parts)


def quadruped_mjcf(board: Board, terrain_m: float = 0.0) -> str:
    """The quadruped for MuJoCo: the trunk on a free joint, every leg's hip and knee as
    position actuators (gain, damping, torque limit of its servo spec), a flat floor with the
    first leg's foot friction. Uneven ground is for the single leg only."""
    legs = _quad_legs(board)
    if terrain_m != 0.0:
        raise DescriptionError(
            f"{board.source}: uneven ground (terrain) is for the single leg's rig only"
        )
    body = board.body or BodySpec()
    trunk_i = box_inertia(body.mass, (body.length, body.width, body.height))
    z0 = trunk_height(board)
    friction = f"{_f(legs[0].foot_friction)} 0.005 0.0001"
    half = _v((body.length / 2, body.width / 2, body.height / 2))
    out = [
        f"<mujoco model={quoteattr(board.name)}>\n",
        f"  <!-- generated by mnsu from {board.source} (legs and body); do not edit -->\n",
        '  <compiler angle="radian"/>\n',
        f'  <option timestep="{_f(TIMESTEP_S)}" gravity="0 0 {_f(-GRAVITY_M_S2)}"/>\n',
        '  <visual><global offwidth="640" offheight="480"/></visual>\n',
        "  <asset>\n",
        '    <texture name="grid" type="2d" builtin="checker" rgb1="0.85 0.85 0.85" '
        'rgb2="0.65 0.65 0.7" width="256" height="256"/>\n',
        '    <material name="grid" texture="grid" texrepeat="40 40"/>\n',
        "  </asset>\n",
        "  <default>\n",
        '    <geom contype="2" conaffinity="1" condim="3" rgba="0.7 0.7 0.75 1"/>\n',
        "  </default>\n",
        "  <worldbody>\n",
        '    <light pos="0 -1 3" dir="0 0.3 -1" directional="true"/>\n',
        f'    <geom name="floor" type="plane" size="20 20 0.1" contype="1" conaffinity="1" '
        f'material="grid" friction="{friction}"/>\n',
        f'    <body name="trunk" pos="0 0 {_f(z0)}">\n',
        '      <freejoint name="trunk"/>\n',
        '      <camera name="side" mode="trackcom" pos="0.15 -0.75 0.25" '
        'xyaxes="1 0 0 0 0.3 1"/>\n',
        f'      <inertial pos="0 0 0" mass="{_f(body.mass)}" diaginertia="{_v(trunk_i)}"/>\n',
        f'      <geom name="trunk" type="box" size="{half}" rgba="0.3 0.4 0.8 1"/>\n',
    ]
    actuators = []
    for leg in legs:
        _, thigh, shank, foot = links(leg)
        n = leg.name
        hip, knee = leg.joints
        servo = leg.servo
        lo = [math.radians(j.min_deg) for j in (hip, knee)]
        hi = [math.radians(j.max_deg) for j in (hip, knee)]
        colour = "0.9 0.5 0.2 1" if n.upper()[0] == "L" else "0.2 0.7 0.4 1"
        out += [
            f'      <body name="{n}_thigh" pos="{_v(leg_mount(n, body, board.source))}">\n',
            f'        <joint name="{n}_{hip.name}" type="hinge" axis="0 1 0" limited="true" '
            f'range="{_f(lo[0])} {_f(hi[0])}" armature="{_f(servo.armature)}"/>\n',
            f"        {_inertial(thigh)}\n",
            f'        <geom name="{n}_thigh" type="capsule" fromto="0 0 0 0 0 '
            f'{_f(-leg.thigh_length)}" size="{_f(ROD_RADIUS_M)}" rgba="{colour}"/>\n',
            f'        <body name="{n}_shank" pos="0 0 {_f(-leg.thigh_length)}">\n',
            f'          <joint name="{n}_{knee.name}" type="hinge" axis="0 -1 0" '
            f'limited="true" range="{_f(lo[1])} {_f(hi[1])}" armature="{_f(servo.armature)}"/>\n',
            f"          {_inertial(shank)}\n",
            f'          <geom name="{n}_shank" type="capsule" fromto="0 0 0 0 0 '
            f'{_f(-leg.shank_length + leg.foot_radius)}" size="{_f(ROD_RADIUS_M * 0.8)}" '
            f'rgba="{colour}"/>\n',
            f'          <body name="{n}_foot" pos="0 0 {_f(-leg.shank_length)}">\n',
            f"            {_inertial(foot)}\n",
            f'            <geom name="{n}_foot" type="sphere" size="{_f(leg.foot_radius)}" '
            f'friction="{_f(leg.foot_friction)} 0.005 0.0001" rgba="0.2 0.2 0.2 1"/>\n',
            "          </body>\n",
            "        </body>\n",
            "      </body>\n",
        ]
        for i, j in enumerate((hip, knee)):
            actuators.append(
                f'    <position name="{n}_{j.name}" joint="{n}_{j.name}" kp="{_f(servo.gain)}" '
                f'kv="{_f(servo.damping)}" ctrlrange="{_f(lo[i])} {_f(hi[i])}" '
                f'forcerange="{_f(-servo.torque)} {_f(servo.torque)}"/>\n'
            )
    out += ["    </body>\n", "  </worldbody>\n", "  <actuator>\n", *actuators]
    out += ["  </actuator>\n", "</mujoco>\n"]
    return "".join(out)
