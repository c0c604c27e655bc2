"""mnsu: software for memristive neuro-synaptic CPG boards that walk a robot leg."""

__version__ = "0.1.0"
