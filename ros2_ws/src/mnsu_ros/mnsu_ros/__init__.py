"""mnsu_ros: the ROS 2 bridge node `mnsu_bridge` for mnsu CPG boards.

Everything but `bridge_node` is plain Python, testable without ROS.
"""
