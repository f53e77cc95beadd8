"""The teaching notebooks in notebooks/: stored clean, and they run top to bottom.

Each notebook is executed with nbclient in a fresh ``python3`` kernel, with notebooks/ as the
working directory, as a student would run it. A cell that raises fails the test with the
cell's number, the start of its source and its traceback. The other checks catch quieter rot:
a notebook that no longer draws anything, one that starts printing warnings, one that writes
files next to itself, or a new notebook that nobody added to the list.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
# Each notebook, with the number of figures it draws when everything works: fewer means a
# plot silently stopped (a run that no longer ends in a deal, a lost %matplotlib inline).
NOTEBOOKS = {
    "01_first_negotiation.ipynb": 2,
    "02_two_level_games.ipynb": 6,
    "03_deadlines_and_elections.ipynb": 4,
    "04_the_2019_talks.ipynb": 3,
}
CELL_TIMEOUT = 300  # seconds per cell; each notebook takes well under a minute in all


def test_every_notebook_is_listed():
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_stored_without_outputs(name):
    """Outputs are not committed: they would go stale and bloat diffs."""
    nb = json.loads((NOTEBOOK_DIR / name).read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code_cells, f"{name} has no code"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"{name}: cell {i} is stored with outputs"
            assert cell["execution_count"] is None, f"{name}: cell {i} has an execution count"
    first = nb["cells"][0]
    assert first["cell_type"] == "markdown"
    assert "".join(first["source"]).startswith("# "), f"{name} does not open with a title"
    text = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "## Try this" in text, f"{name} has no 'Try this' section"


ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colours in IPython tracebacks


def _failing_cell(nb) -> str:
    for i, cell in enumerate(nb.cells):
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            return f"cell {i}"
    return "a cell"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from nbclient.exceptions import CellExecutionError

    before = {p.name for p in NOTEBOOK_DIR.iterdir()}
    nb = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    try:
        client.execute()
    except CellExecutionError as err:
        pytest.fail(f"{name}: {_failing_cell(nb)} raised\n{ANSI.sub('', str(err))}", pytrace=False)

    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    images = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(images) >= NOTEBOOKS[name], f"{name} drew {len(images)} figures"
    warnings = [
        out["text"]
        for out in outputs
        if out.get("output_type") == "stream"
        and out.get("name") == "stderr"
        and "Warning" in out["text"]
    ]
    assert not warnings, f"{name} printed warnings:\n" + "\n".join(warnings)
    # Every code cell ran (none skipped) and the notebook left nothing behind in notebooks/.
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")
    assert {p.name for p in NOTEBOOK_DIR.iterdir()} == before
