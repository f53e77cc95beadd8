"""Shared by the calibration tests: a tiny classroom spec, written where a test wants it."""

from pathlib import Path

import pytest

pytest.importorskip("pyabc")

from calibration_specs import write_spec


@pytest.fixture
def tiny_spec(tmp_path: Path) -> Path:
    return write_spec(tmp_path)
