"""Board files as SPICE circuits: ngspice netlists, batch runs, comparison with the emulator."""
