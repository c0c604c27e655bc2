"""Shared test helpers: paths to the example boards."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture(scope="session", autouse=True)
def compiled_kernel() -> None:
    """The emulator's compiled event loop, compiled or loaded once before any test (a fresh
    tree compiles it in about a minute; subprocesses started under timeouts then load it)."""
    from mnsu.circuit.kernel import warm

    warm()
