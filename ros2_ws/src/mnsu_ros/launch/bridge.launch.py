"""Launch the mnsu bridge with config/bridge.yaml (needs a full ROS 2 install with launch_ros).

ros2 launch mnsu_ros bridge.launch.py port:=/dev/ttyACM0
ros2 launch mnsu_ros bridge.launch.py port:=virtual
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def generate_launch_description() -> LaunchDescription:
    config = os.path.join(get_package_share_directory("mnsu_ros"), "config", "bridge.yaml")
    return LaunchDescription(
        [
            DeclareLaunchArgument(
                "port",
                default_value="virtual",
                description="device path, pyserial URL, or 'virtual' (in-process virtual board)",
            ),
            DeclareLaunchArgument("params_file", default_value=config),
            Node(
                package="mnsu_ros",
                executable="mnsu_bridge",
                name="mnsu_bridge",
                output="screen",
                parameters=[
                    LaunchConfiguration("params_file"),
                    {"port": LaunchConfiguration("port")},
                ],
            ),
        ]
    )
