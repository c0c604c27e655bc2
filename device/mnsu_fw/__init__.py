"""mnsu firmware: MicroPython controller for a memristive CPG board and a two-joint leg."""
