"""The robot the CPG drives: the leg model and its gait metrics."""
