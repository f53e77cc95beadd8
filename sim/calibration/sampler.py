"""A pyabc sampler whose populations do not depend on workers, backend or timing.

pyabc's own parallel samplers reseed every worker from the operating system
(``np.random.seed()`` without an argument) and keep the particles that finish first, so a
population depends on timing; only its single-core sampler follows the global seed. This one
keeps pyabc's ``Sampler`` interface (pyabc still proposes, weighs, accepts and stores), but
numbers the candidates of each generation 0, 1, 2, ..., seeds the global generators before
candidate ``i`` from the master seed, the generation and ``i``, evaluates candidates in batches
on any executor (``sim.calibration.executors``), and accepts in candidate order: the population
is the first ``n`` accepted candidates, counted in order. Candidates evaluated beyond the
``n``-th acceptance (the batches in flight when it arrived) are discarded, which costs a little
work and buys results that are the same with 1 worker, 2 workers or Dask.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

from sim.calibration import simulate
from sim.calibration.simulate import PROPOSAL


def candidate_seed(master: int, t: int, index: int) -> int:
    """The seed of the global generators before candidate ``index`` of generation ``t``.

    ``t`` is -1 for pyabc's calibration sample from the prior.
    """
    words = np.random.SeedSequence(master, spawn_key=(PROPOSAL, t + 1, index)).generate_state(1)
    return int(words[0])


_FUNCTIONS: dict[str, Callable[[], Any]] = {}

_GLOBAL_GENERATORS = threading.Lock()
"""Held while a batch runs: threads of one process (a Dask worker with several) share numpy's
global generator, which each candidate reseeds; interleaved, they would spoil each other's
draws. Threads gain little on pure-Python runs anyway (the GIL)."""


def _function(payload: bytes) -> Callable[[], Any]:
    """Pyabc's ``simulate_one`` for this generation, unpickled once per process."""
    key = hashlib.sha1(payload, usedforsecurity=False).hexdigest()
    if key not in _FUNCTIONS:
        _FUNCTIONS.clear()
        _FUNCTIONS[key] = cloudpickle.loads(payload)
    return _FUNCTIONS[key]


def evaluate_batch(payload: bytes, seeds: list[int]) -> tuple[list[Any], float, float]:
    """Evaluate candidates in any process: one ``simulate_one`` per seed.

    Returns:
        The particles in seed order, the seconds spent in the model, the seconds in all.
    """
    with _GLOBAL_GENERATORS:
        start = time.perf_counter()
        fn = _function(payload)
        sim_before = simulate.sim_seconds()
        particles = []
        for seed in seeds:
            random.seed(seed)
            np.random.seed(seed)  # noqa: NPY002 - pyabc proposes from the global generator
            particles.append(fn())
        return particles, simulate.sim_seconds() - sim_before, time.perf_counter() - start


@dataclass
class Timing:
    """Where a calibration's time went (summed over generations and workers)."""

    evaluated: int = 0
    sampled_seconds: float = 0.0  # wall time inside sample_until_n_accepted
    worker_seconds: float = 0.0  # time workers spent on candidates (pyabc's part included)
    model_seconds: float = 0.0  # of which inside negsim (scenario and runs)
    discarded: int = 0  # evaluated past the n-th acceptance
    per_generation: list[dict[str, float]] = field(default_factory=list)


class OrderedSampler(Sampler):
    """Candidates in numbered batches, accepted in order (see the module's docstring).

    Args:
        executor: Where batches run (``sim.calibration.executors``).
        master_seed: The calibration's master seed.
        batch_size: Candidates per task.
        window: Batches in flight at once (default: twice the executor's workers).
        progress: Called with ``(accepted, n)`` as the accepted prefix grows.
    """

    def __init__(
        self,
        executor: Any,
        master_seed: int,
        batch_size: int = 20,
        window: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        super().__init__()
        self.executor = executor
        self.master_seed = master_seed
        self.batch_size = batch_size
        self.window = window or 2 * max(1, executor.workers)
        self.progress = progress
        self.timing = Timing()

    def sample_until_n_accepted(  # noqa: D102
        self,
        n: int,
        simulate_one: Callable[[], Any],
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        started = time.perf_counter()
        payload = self.executor.prepare(cloudpickle.dumps(simulate_one))
        sample = self._create_empty_sample()
        in_flight: deque[Any] = deque()
        next_index = 0  # first candidate not yet submitted
        evaluated = accepted = received = 0
        worker = model = 0.0
        done = False

        def submit() -> None:
            nonlocal next_index
            seeds = [
                candidate_seed(self.master_seed, t, i)
                for i in range(next_index, next_index + self.batch_size)
            ]
            in_flight.append(self.executor.submit(evaluate_batch, payload, seeds))
            next_index += self.batch_size

        try:
            while not done:
                while len(in_flight) < self.window and next_index < max_eval:
                    submit()
                if not in_flight:
                    break
                particles, model_s, worker_s = in_flight.popleft().result()
                received += len(particles)
                worker += worker_s
                model += model_s
                for particle in particles:
                    if evaluated >= max_eval:
                        done = True
                        break
                    sample.append(particle)
                    evaluated += 1
                    if particle.accepted:
                        accepted += 1
                        if accepted >= n:
                            done = True
                            break
                if self.progress is not None:
                    self.progress(accepted, n)
        finally:
            for future in in_flight:
                future.cancel()
            discarded = received - evaluated + len(in_flight) * self.batch_size
            self.executor.release(payload)
        self.nr_evaluations_ = evaluated
        if sample.n_accepted < n:
            sample.ok = False
        seconds = time.perf_counter() - started
        tm = self.timing
        tm.evaluated += evaluated
        tm.sampled_seconds += seconds
        tm.worker_seconds += worker
        tm.model_seconds += model
        tm.discarded += max(discarded, 0)
        tm.per_generation.append(
            {
                "t": t,
                "evaluated": evaluated,
                "accepted": accepted,
                "seconds": seconds,
                "worker_seconds": worker,
                "model_seconds": model,
            }
        )
        return sample
