"""The robot the CPG drives: the leg model and its gait metrics."""

import ctypes.util
import os

# MuJoCo picks its offscreen GL backend when it is first imported: on a machine without a
# display, EGL (headless) where its library exists, so the quadruped's video renders.
headless = "MUJOCO_GL" not in os.environ and not os.environ.get("DISPLAY")
if headless and ctypes.util.find_library("EGL"):
    os.environ["MUJOCO_GL"] = "egl"
