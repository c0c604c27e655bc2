"""ament_python package of the mnsu ROS 2 bridge (colcon build); the same module is also
installed into the project venv by the root pyproject (console script mnsu-ros-bridge)."""

from glob import glob

from setuptools import find_packages, setup

package_name = "mnsu_ros"

setup(
    name=package_name,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + package_name]),
        ("share/" + package_name, ["package.xml"]),
        ("share/" + package_name + "/launch", glob("launch/*.launch.py")),
        ("share/" + package_name + "/config", glob("config/*.yaml")),
    ],
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="mnsu developers",
    maintainer_email="mnsu@example.invalid",
    description="ROS 2 bridge node for mnsu CPG boards",
    license="See the mnsu repository",
    tests_require=["pytest"],
    entry_points={
        "console_scripts": [
            "mnsu_bridge = mnsu_ros.bridge_node:main",
        ],
    },
)
