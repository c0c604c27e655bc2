"""Test environment of mnsu_ros: loopback-only ROS discovery and a ROS domain per test process.

Set before rclpy is imported anywhere, so every node of this process (and every child process
started with `ros_env()`) stays on loopback (Kilted ignores ROS_LOCALHOST_ONLY) and cannot
meet the nodes of another run.
"""

from __future__ import annotations

import os

os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ["ROS_DOMAIN_ID"] = str(1 + os.getpid() % 100)
