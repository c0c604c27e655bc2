"""The CPG board as a circuit: board files, SI units, the device law, unit dynamics, emulator."""
