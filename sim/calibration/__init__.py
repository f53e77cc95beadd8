"""Calibration to history: ``negsim calibrate`` fits a scenario's uncertain inputs by ABC-SMC.

::

    from sim.calibration import load_calibration, run_calibration
    plan = load_calibration("experiments/calibrate_2019.yaml")     # validated against the scenario
    result = run_calibration(plan, Path("runs/calibrate_2019"), workers=2)
    result.summary["posterior"]                                    # means, intervals per parameter

Modules, one job each: ``spec`` (the YAML keys), ``plan`` (checked against the scenario),
``priors`` (pyabc random variables), ``targets`` (summary statistics and the distance),
``simulate`` (one particle's runs and seeds), ``sampler`` (ordered, reproducible sampling),
``executors`` (this process, a pool, Dask), ``runner`` (ABC-SMC through pyabc, resumable),
``predictive`` (posterior and predictive checks), ``outputs`` (files), ``plots`` (figures),
``pipeline`` (all of it), ``sbc`` (simulation-based calibration of the method).
"""

from sim.calibration.plan import CalibrationPlan, load_calibration, plan_from_spec
from sim.calibration.spec import CalibrationSpec

__all__ = [
    "CalibrationPlan",
    "CalibrationSpec",
    "load_calibration",
    "plan_from_spec",
    "run_calibration",
]


def __getattr__(name: str):
    if name == "run_calibration":
        from sim.calibration.pipeline import run_calibration

        return run_calibration
    raise AttributeError(name)
