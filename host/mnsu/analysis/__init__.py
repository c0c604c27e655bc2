"""Analysis of spike trains and boards: rhythm, regimes, self-consistency, resonance, fits."""
