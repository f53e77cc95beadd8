"""Parameter sweeps: specs, runs on one core, a process pool or Dask, and their results.

::

    from sim.sweep import load_spec, run_sweep, read_results
    plan = load_spec("experiments/farm_lobby.yaml")
    run_sweep(plan, "runs/farm_lobby", workers=2)
    runs = read_results("runs/farm_lobby")     # a pandas DataFrame, one row per run
"""

from sim.sweep.plan import Plan, load_spec, plan_from_spec
from sim.sweep.runner import SweepInterrupted, SweepResult, run_sweep
from sim.sweep.spec import SweepSpec
from sim.sweep.store import read_results

__all__ = [
    "Plan",
    "SweepInterrupted",
    "SweepResult",
    "SweepSpec",
    "load_spec",
    "plan_from_spec",
    "read_results",
    "run_sweep",
]
