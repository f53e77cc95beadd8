"""A sweep's processes: runs that never end, kill -9 of the sweep, Ctrl-C while workers start.

A run past ``run_timeout`` becomes an error row with its seed and the sweep goes on, whether it
runs in this process, in a pool worker or in a thread (as on Dask); killing the sweep leaves no
forkserver or worker behind; Ctrl-C gives one line and exit code 130, and the same command
resumes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import sim.model
from sim.cli import main
from sim.sweep import load_spec, read_results, run_sweep
from sim.sweep.runner import make_batches, run_batch

CONFIGS = Path(__file__).resolve().parents[2] / "configs"

# Point 1 never reaches a deal (an impossible mandate floor) and runs 9,977 daily steps to its
# horizon (near the 10,000 a scenario may have), about 0.6 s once warm (2026-12-03), three
# times the 0.2 s limit; point 0 agrees within about 200 steps, some 50 ms. A faster model
# must not make the slow point beat its limit: keep the ratio when either changes.
SLOW = f"""
scenario: {CONFIGS / "classroom.yaml"}
replicates: 2
seed: 9
run_timeout: 0.2
outcomes: [agreement, step]
parameters:
  calendar.step_days: [1]
  calendar.end: [2052-05-01]
  parties.northland.hard_deadline: [2052-05-01]
  parties.southland.hard_deadline: [2052-05-01]
  parties.northland.mandate_floor: [0.1, 100.0]
"""
MANY = f"""
scenario: {CONFIGS / "classroom.yaml"}
design: lhs
samples: {{samples}}
replicates: 10
seed: 4
outcomes: [agreement, step]
parameters:
  lobbies.farmers.strength: {{{{low: 0.3, high: 3.0, log: true}}}}
"""


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def assert_slow_point_timed_out(runs, limit: str) -> None:
    failed = runs[runs["error"].notna()]
    assert list(failed["point"]) == [1, 1], runs[["point", "error"]]
    assert failed["error"].str.startswith(f"RunTimeout: still running after {limit} s").all()
    assert failed["seed"].notna().all() and failed["agreement"].isna().all()
    ok = runs[runs["error"].isna()]
    assert list(ok["point"]) == [0, 0] and ok["agreement"].all()


def test_a_run_stuck_inside_a_step_is_stopped_by_the_alarm(tmp_path, monkeypatch):
    plan = load_spec(write(tmp_path, SLOW.replace("[0.1, 100.0]", "[0.1, 0.2]")))
    bad_seed = plan.run(1).seed

    class Stuck(sim.model.NegotiationModel):
        def step(self):
            if self.seed == bad_seed and self.steps >= 3:
                while True:  # a loop that never returns, inside one step
                    pass
            super().step()

    monkeypatch.setattr(sim.model, "NegotiationModel", Stuck)
    before = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    result = run_sweep(plan, tmp_path / "out", workers=1, progress=False, run_timeout=0.3)
    assert time.monotonic() - start < 20
    runs = read_results(tmp_path / "out")
    failed = runs[runs["error"].notna()]
    assert result.errors == 2 and set(failed["seed"]) == {bad_seed}
    assert failed["error"].str.startswith("RunTimeout: still running after 0.3 s").all()
    assert runs.loc[runs["error"].isna(), "agreement"].notna().all()
    assert signal.getsignal(signal.SIGALRM) == before  # the caller's handler is back
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_run_past_its_limit_in_a_worker_process(tmp_path, capsys):
    spec = write(tmp_path, SLOW)
    out = tmp_path / "out"
    args = ["sweep", str(spec), "--out", str(out), "--quiet", "--workers", "2", "--batch-size",
            "1", "--run-timeout", "0.25"]  # fmt: skip
    assert main(args) == 0
    assert "2 run(s) raised" in capsys.readouterr().out
    assert_slow_point_timed_out(read_results(out), "0.25")


def test_a_run_past_its_limit_in_a_thread_is_stopped_after_a_step(tmp_path):
    # Dask runs batches in worker threads, where no signal can be used.
    plan = load_spec(write(tmp_path, SLOW))
    batch = next(make_batches(plan, plan.n_runs, set()))
    results = []
    thread = threading.Thread(target=lambda: results.append(run_batch(batch)))
    thread.start()
    thread.join(timeout=60)
    _, rows, _ = results[0]
    import pandas as pd

    assert_slow_point_timed_out(pd.DataFrame(rows), "0.2")


# -- the processes of a sweep ---------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        children = _children(todo.pop())
        found += children
        todo += children
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _start(spec: Path, out: Path) -> subprocess.Popen:
    # In a session of its own, as a terminal runs it: Ctrl-C reaches every process of the
    # group. A shell's background jobs ignore SIGINT; restore the default for the child.
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out", str(out), "--quiet",
           "--workers", "2", "--batch-size", "5"]  # fmt: skip
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip


def _wait_for(condition, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _gone(pids: list[int], seconds: float = 10) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [p for p in pids if _alive(p)]
        if not left:
            return []
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_kill_9_of_the_sweep_leaves_no_process_behind(tmp_path):
    spec = write(tmp_path, MANY.format(samples=200))
    out = tmp_path / "out"
    proc = _start(spec, out)
    try:
        _wait_for(lambda: len(list((out / "runs").glob("part-*"))) >= 2, proc)
        family = _descendants(proc.pid)
        kinds = [_cmdline(p) for p in family]
        assert sum("forkserver" in k for k in kinds) >= 3, kinds  # the server and 2 workers
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        assert _gone(family) == []
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_ctrl_c_while_the_workers_start_is_one_line_and_resumes(tmp_path):
    # The forkserver is importing negsim and the workers are being forked: before this was
    # fixed, each of them printed its own KeyboardInterrupt traceback. (Ctrl-C in the middle
    # of the runs takes the same path, and test_sweep.py tests it with one worker.)
    spec = write(tmp_path, MANY.format(samples=12))
    out = tmp_path / "out"
    proc = _start(spec, out)
    try:
        _wait_for(lambda: any("forkserver" in _cmdline(c) for c in _children(proc.pid)), proc)
        family = _descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "run the same command to resume" in lines[0], err
    assert _gone(family) == []
    result = run_sweep(load_spec(spec), out, workers=1, progress=False)
    assert result.runs_done == 120
    runs = read_results(out)
    assert list(runs["run_id"]) == list(range(120)) and runs["error"].isna().all()
