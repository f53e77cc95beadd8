"""A sweep's folder under attack: bad --out, full or read-only disks, damaged parts and manifests,
an early kill, two writers. Each gives one line and exit code 2 (or one notice per repair), what
was written stays readable, and the same command then completes the dataset exactly.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.errors import ScenarioError
from sim.sweep import load_spec, read_results, run_sweep
from sim.sweep import plots as sp

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
SPEC = f"""
scenario: {CONFIGS / "classroom.yaml"}
design: grid
replicates: 4
seed: 5
parameters:
  lobbies.farmers.strength: [0.5, 2.0, 4.0]
  parties.southland.tactic.beta: [0.5, 2.0]
outcomes: [agreement, step, date, concessions, gains]
timeseries: {{runs: 4}}
"""
BATCH = 5  # 24 runs: batches 0-3 of 5 runs, batch 4 of 4


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def fresh(spec) -> Path:
    """The dataset of an uninterrupted sweep, to compare repaired ones with."""
    out = spec.parent / "fresh"
    run_sweep(load_spec(spec), out, workers=1, batch_size=BATCH, progress=False)
    return out


def sweep(spec: Path, out: Path, *extra: str) -> list[str]:
    return ["sweep", str(spec), "--out", str(out), "--quiet", "--workers", "1",
            "--batch-size", str(BATCH), *extra]  # fmt: skip


def one_line(code: int, err: str, *words: str) -> str:
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert len(lines[0]) < 800
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def same_dataset(out: Path, fresh: Path) -> None:
    pd.testing.assert_frame_equal(read_results(out), read_results(fresh))
    pd.testing.assert_frame_equal(read_results(out, timeseries=True),
                                  read_results(fresh, timeseries=True))  # fmt: skip
    assert not list(out.rglob("*.tmp"))


# -- --out and the file system -------------------------------------------------------------


def test_out_that_is_a_file_or_lies_under_one_is_one_line(tmp_path, spec, capsys):
    (tmp_path / "file").write_text("x")
    code = main(sweep(spec, tmp_path / "file"))
    one_line(code, capsys.readouterr().err, "exists and is not a folder")
    code = main(sweep(spec, tmp_path / "file" / "sub"))
    one_line(code, capsys.readouterr().err, "cannot write", "Not a directory")
    code = main(["plot", str(tmp_path), "--out", str(tmp_path / "file")])
    one_line(code, capsys.readouterr().err)


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a small tmpfs (root only); yields a function to mount or remount it."""
    mounted: list[Path] = []

    def mount(folder: Path, options: str) -> Path:
        folder.mkdir(exist_ok=True)
        remount = ["-o", f"remount,{options}"] if folder in mounted else ["-o", options]
        done = subprocess.run(["mount", "-t", "tmpfs", *remount, "tmpfs", str(folder)],
                              capture_output=True)  # fmt: skip
        if done.returncode != 0:
            pytest.skip("cannot mount a tmpfs here (needs root); the write layer is tested below")
        if folder not in mounted:
            mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_read_only_and_full_file_systems(tmp_path, spec, fresh, capsys, tmpfs):
    readonly = tmpfs(tmp_path / "ro", "size=1m,ro")
    code = main(sweep(spec, readonly / "out"))
    one_line(code, capsys.readouterr().err, "Read-only file system")
    code = main(["plot", str(fresh), "--out", str(readonly / "plots")])
    one_line(code, capsys.readouterr().err, "Read-only file system")
    full = tmpfs(tmp_path / "full", "size=40k")
    out = full / "out"
    code = main(sweep(spec, out))
    one_line(code, capsys.readouterr().err, "No space left on device", "resume")
    saved = read_results(out)  # what was written stays readable
    assert 0 < len(saved) < 24 and not list(out.rglob("*.tmp"))
    tmpfs(full, "size=8m")  # space freed: the same command completes the dataset
    assert main(sweep(spec, out)) == 0
    capsys.readouterr()
    same_dataset(out, fresh)
    stat = os.statvfs(full)
    used = (stat.f_blocks - stat.f_bfree) * stat.f_frsize
    tmpfs(full, f"size={used + 16 * 1024}")  # too little room for an image
    code = main(["plot", str(fresh), "--out", str(full / "plots"), "--kind", "agreement"])
    one_line(code, capsys.readouterr().err, "No space left on device")
    assert not [p for p in (full / "plots").iterdir()]  # no half-written image


@pytest.mark.parametrize(
    ("errno_", "fail_at", "words"),
    [
        (errno.ENOSPC, 4, ("No space left", "resume")),
        (errno.EDQUOT, 6, ("quota", "resume")),
        (errno.EROFS, 1, ("Read-only", "another --out")),
        (errno.EIO, 3, ("Input/output error",)),
    ],
)
def test_disk_errors_at_the_write_layer(tmp_path, spec, fresh, capsys, monkeypatch, errno_,
                                        fail_at, words):  # fmt: skip
    real = pq.write_table
    calls = []

    def failing(table, where, **kwargs):
        calls.append(where)
        if len(calls) >= fail_at:
            Path(where).write_bytes(b"PAR1 half a file")  # as a full disk leaves it
            raise OSError(errno_, os.strerror(errno_))
        return real(table, where, **kwargs)

    monkeypatch.setattr(pq, "write_table", failing)
    out = tmp_path / "out"
    one_line(main(sweep(spec, out)), capsys.readouterr().err, *words)
    assert not list(out.rglob("*.tmp"))
    if (out / "manifest.json").is_file():
        read_results(out)  # readable, whatever it holds
    monkeypatch.setattr(pq, "write_table", real)
    assert main(sweep(spec, out)) == 0
    capsys.readouterr()
    same_dataset(out, fresh)


def test_a_plot_that_cannot_be_written_leaves_no_half_image(tmp_path, fresh, capsys,
                                                            monkeypatch):  # fmt: skip
    from matplotlib.figure import Figure

    def full_disk(self, fname, **kwargs):
        Path(fname).write_bytes(b"\x89PNG half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", full_disk)
    code = main(["plot", str(fresh), "--out", str(tmp_path / "plots"), "--kind", "agreement"])
    one_line(code, capsys.readouterr().err, "No space left on device")
    assert not list((tmp_path / "plots").iterdir())


# -- damaged folders -----------------------------------------------------------------------


def _truncate(out: Path) -> str:
    part = out / "runs" / "part-000001.parquet"
    part.write_bytes(part.read_bytes()[:300])
    return "runs/part-000001.parquet"


def _flip_data(out: Path) -> str:
    part = out / "runs" / "part-000002.parquet"
    data = bytearray(part.read_bytes())
    start = 4 + len(data) // 10  # inside the first column chunks, well before the footer
    for i in range(start, start + 40):
        data[i] ^= 0x5A
    part.write_bytes(bytes(data))
    return "runs/part-000002.parquet"


def _foreign(out: Path) -> str:
    part = out / "runs" / "part-000003.parquet"
    pq.write_table(pq.read_table(part).drop_columns(["agreement"]), part)
    return "runs/part-000003.parquet"


def _wrong_runs(out: Path) -> str:
    shutil.copy(out / "runs" / "part-000000.parquet", out / "runs" / "part-000001.parquet")
    return "runs/part-000001.parquet"


def _beyond_the_plan(out: Path) -> str:
    shutil.copy(out / "runs" / "part-000000.parquet", out / "runs" / "part-000099.parquet")
    return "runs/part-000099.parquet"


def _series_missing(out: Path) -> str:
    parts = sorted((out / "timeseries").glob("part-*.parquet"))
    parts[0].unlink()
    return f"runs/{parts[0].name}"


def _series_damaged(out: Path) -> str:
    part = sorted((out / "timeseries").glob("part-*.parquet"))[-1]
    part.write_bytes(b"garbage")
    return f"runs/{part.name}"


@pytest.mark.parametrize(
    "damage",
    [_truncate, _flip_data, _foreign, _wrong_runs, _beyond_the_plan, _series_missing,
     _series_damaged],
)  # fmt: skip
def test_resume_verifies_parts_and_redoes_the_damaged(tmp_path, spec, fresh, damage):
    out = tmp_path / "out"
    shutil.copytree(fresh, out)
    what = damage(out)
    if damage in (_truncate, _flip_data, _series_damaged):
        with pytest.raises(ScenarioError) as info:  # one line, not a pyarrow traceback
            read_results(out, timeseries=damage is _series_damaged)
        assert "damaged" in str(info.value) and "\n" not in str(info.value)
        with pytest.raises(sp.SweepDataError):
            sp.load(out)
    notices: list[str] = []
    result = run_sweep(load_spec(spec), out, workers=1, progress=False, notice=notices.append)
    assert notices and notices[0].startswith(what) and "moved to damaged/" in notices[0]
    assert all("\n" not in n for n in notices)
    assert (result.ran_now == 0) == (damage is _beyond_the_plan)
    assert (out / "damaged" / what.replace("/", "-")).exists()
    same_dataset(out, fresh)
    again: list[str] = []
    assert run_sweep(load_spec(spec), out, workers=1, progress=False,
                     notice=again.append).ran_now == 0 and not again  # fmt: skip


def test_a_damaged_points_file_is_written_again(tmp_path, spec, fresh):
    out = tmp_path / "out"
    shutil.copytree(fresh, out)
    (out / "points.parquet").write_bytes(b"nothing")
    notices: list[str] = []
    run_sweep(load_spec(spec), out, workers=1, progress=False, notice=notices.append)
    assert len(notices) == 1 and "points.parquet" in notices[0]
    assert len(pd.read_parquet(out / "points.parquet")) == 6


BAD_MANIFESTS = [
    ("[]", "not a sweep manifest"),
    ("{}", "missing"),
    ('"just text"', "not a sweep manifest"),
    ("{not json", "unreadable manifest"),
    ("\udcff", "unreadable manifest"),
    (None, "batch_size"),  # the real one with batch_size 0
    (None, "sessions"),  # ... with sessions a string
    (None, "sobol"),  # ... with sobol {"n": 0}
    (None, "parameters"),  # ... with parameters a number
]


@pytest.mark.parametrize(("text", "word"), BAD_MANIFESTS)
def test_a_manifest_of_the_wrong_shape_is_one_line(tmp_path, spec, fresh, capsys, text, word):
    out = tmp_path / "out"
    shutil.copytree(fresh, out)
    path = out / "manifest.json"
    if text is None:
        manifest = json.loads(path.read_text())
        broken = {"batch_size": 0, "sessions": "x", "sobol": {"n": 0, "d": 1},
                  "parameters": 3}  # fmt: skip
        manifest[word] = broken[word]
        text = json.dumps(manifest)
    path.write_text(text, errors="surrogateescape")
    one_line(main(sweep(spec, out)), capsys.readouterr().err, "manifest.json", word)
    if word not in ("batch_size", "sessions", "missing"):  # readers need only what they read
        with pytest.raises(ScenarioError, match=word):
            read_results(out)
        one_line(main(["plot", str(out)]), capsys.readouterr().err, word)


def test_a_folder_left_by_an_early_kill_is_taken_as_new(tmp_path, spec, fresh, capsys):
    out = tmp_path / "out"
    (out / "runs").mkdir(parents=True)
    (out / ".lock").write_text("12345\n")
    (out / "manifest.json.tmp").write_text('{"spec": {"sce')
    (out / "points.parquet.tmp").write_bytes(b"PAR1")
    (out / "runs" / "part-000000.parquet.tmp").write_bytes(b"PAR1")
    assert main(sweep(spec, out)) == 0
    capsys.readouterr()
    same_dataset(out, fresh)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    one_line(main(sweep(spec, foreign)), capsys.readouterr().err, "holds no sweep")


def test_a_sweep_killed_in_its_first_milliseconds_resumes(tmp_path, spec, fresh, capsys):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", *sweep(spec, out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    proc.kill()  # the folder has just been made: the lock, perhaps, and nothing else
    proc.wait()
    assert main(sweep(spec, out)) == 0, capsys.readouterr().err
    capsys.readouterr()
    same_dataset(out, fresh)


def test_one_writer_per_folder(tmp_path, spec, fresh, capsys):
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time\n"
         f"fd = os.open({str(out / '.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'%d' % os.getpid())\n"
         "print('held', flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        line = one_line(main(sweep(spec, out)), capsys.readouterr().err, str(out), "another")
        assert f"pid {holder.pid}" in line
        with open(out / ".lock") as fh, pytest.raises(BlockingIOError):  # still the holder's
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        holder.send_signal(signal.SIGKILL)  # a writer that crashes: the OS releases its lock
        holder.wait()
    assert main(sweep(spec, out)) == 0
    capsys.readouterr()
    same_dataset(out, fresh)


def test_a_scenario_file_changed_under_a_sweep_stops_it(tmp_path, capsys):
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text((CONFIGS / "classroom.yaml").read_text())
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.replace(str(CONFIGS / "classroom.yaml"), str(scenario)))
    plan = load_spec(path)
    scenario.write_text(scenario.read_text().replace("strength: 1", "strength: 1.5", 1))
    with pytest.raises(ScenarioError, match="changed since the sweep began") as info:
        run_sweep(plan, tmp_path / "out", workers=1, progress=False)
    assert "\n" not in str(info.value) and "0 of 24 runs are saved" in str(info.value)
