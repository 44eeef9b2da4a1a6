"""The product as users start it: GNU Radio Companion's interpreter running a compiled
flowgraph, and every installed program from a plain shell (nothing activated) and from the
venv. The environment is emptied (`env -i`) so nothing of the test's own interpreter leaks
in."""
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import APPS, ROOT

PROGRAMS = sorted(p.name for p in APPS.glob("robustamc-*"))
PLAIN_PATH = "/usr/local/bin:/usr/bin:/bin"


def clean_env(home, **extra):
    """What a login shell with nothing activated has (no venv, no PYTHONPATH)."""
    return {"PATH": PLAIN_PATH, "HOME": str(home), "LANG": "C.UTF-8", **extra}


def installed(program):
    path = shutil.which(program, path=PLAIN_PATH)
    if path is None:
        pytest.skip(f"{program} is not installed (run scripts/bootstrap.sh)")
    return path


def grc_interpreter():
    """The interpreter GNU Radio Companion runs flowgraphs with: its own (`sys.executable`
    in grc.core.FlowGraph.get_run_command), i.e. the one on gnuradio-companion's #! line."""
    grc = shutil.which("gnuradio-companion", path=PLAIN_PATH)
    if grc is None:
        pytest.skip("gnuradio-companion is not installed")
    first = Path(grc).read_text(errors="replace").splitlines()[0]
    assert first.startswith("#!"), first
    return first[2:].split()[0]


GRC_RUN = r"""
import os, sys
sys.path.insert(0, sys.argv[1])
from PyQt5 import Qt
app = Qt.QApplication([])
import simulated_classification
tb = simulated_classification.simulated_classification(n_samples=int(sys.argv[2]))
tb.start()
tb.wait()
app.processEvents()
import robustamc
print("core", robustamc.__file__)
print("interpreter", sys.executable)
print("display", tb.display.widget().past)
"""


def test_grc_compiled_flowgraph_runs_in_grcs_interpreter(tmp_path, gr_robustamc):
    """grcc compiles the simulated example; GNU Radio Companion's interpreter, started from a
    clean environment, imports the blocks (and through them the core) and runs it."""
    python = grc_interpreter()
    grcc = shutil.which("grcc", path=PLAIN_PATH)
    env = clean_env(tmp_path, QT_QPA_PLATFORM="offscreen")
    p = subprocess.run([grcc, str(ROOT / "examples" / "simulated_classification.grc"),
                        "-o", str(tmp_path)], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    p = subprocess.run([python, "-u", "-c", GRC_RUN, str(tmp_path), "40000"],
                       capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stderr
    out = dict(line.split(" ", 1) for line in p.stdout.splitlines()
               if line.split(" ", 1)[0] in ("core", "interpreter", "display"))
    assert out["interpreter"] == python
    # 40000 samples / (64 windows * 128 samples) = 4 decisions of the first class (BPSK)
    assert out["display"].count(",") == 3
    assert "set_min_output_buffer" not in p.stdout + p.stderr   # no info line per flowgraph


def test_blocks_say_how_to_fix_a_missing_core(tmp_path, gr_robustamc):
    """An interpreter that finds neither a core nor the recorded core site gets an
    ImportError that says what to run, not a bare ModuleNotFoundError."""
    code = ("import sys\n"
            "from gnuradio.robustamc import _core, _core_site\n"
            "_core_site.CORE_SITE = '/nonexistent'\n"
            "sys.modules['robustamc'] = None\n"   # no core importable in this interpreter
            "try:\n    _core.ensure_core()\nexcept ImportError as e:\n    print(e)\n")
    p = subprocess.run([grc_interpreter(), "-c", code], capture_output=True, text=True,
                       env=clean_env(tmp_path))
    assert "bootstrap" in p.stdout and "robustamc ML core" in p.stdout, p.stdout + p.stderr


@pytest.mark.parametrize("where", ["plain shell", "venv"])
def test_every_program_answers_help_without_loading_torch(where, tmp_path):
    """`--help` of every installed program works from a plain shell and from the activated
    venv, and is fast: neither torch nor GNU Radio is imported before the arguments are
    parsed."""
    venv = ROOT / ".venv"
    env = clean_env(tmp_path)
    if where == "venv":
        if not (venv / "bin" / "python").is_file():
            pytest.skip("no venv")
        env.update(PATH=f"{venv / 'bin'}:{PLAIN_PATH}", VIRTUAL_ENV=str(venv))
    for program in PROGRAMS:
        installed(program)
        path = shutil.which(program, path=env["PATH"])
        interpreter = Path(path).read_text().splitlines()[0][2:].strip()
        p = subprocess.run([interpreter, "-X", "importtime", path, "--help"],
                           capture_output=True, text=True, env=env, timeout=120)
        assert p.returncode == 0, f"{path}: {p.stderr}"
        assert "usage:" in p.stdout, path
        heavy = re.findall(r"\|\s+(torch|gnuradio\.gr)\s*$", p.stderr, re.M)
        assert not heavy, f"{path} --help imports {heavy}"


def _real_calls(tmp):
    """One real, small call per program."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(4096) + 1j * rng.standard_normal(4096)).astype(np.complex64)
    x.tofile(tmp / "noise.cf32")
    small = ["--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "16",
             "--val-per-pair", "1", "--warmup-steps", "1", "--no-progress"]
    return {
        "robustamc-model": (["info", "compact"], "parameters"),
        "robustamc-dataset": (["synth", "--per-pair", "1", "--out", tmp / "d.npz",
                               "--no-progress"], "wrote 220 frames"),
        "robustamc-train": (["--out", tmp / "train", *small], "bundle written"),
        "robustamc-distill": (["--teacher", "compact", "--method", "kd", "--out",
                               tmp / "distill", *small], "bundle written"),
        "robustamc-attack": (["frames", "--bundle", "compact", "--data", tmp / "d.npz",
                              "--attack", "fgm", "--out", tmp / "adv.npz", "--no-progress"],
                             "achieved"),
        "robustamc-evaluate": (["compact", "--per-pair", "1", "--attacks", "none",
                                "--no-transfer", "--out", tmp / "eval", "--no-progress"],
                               "report:"),
        "robustamc-classify": ([tmp / "noise.cf32", "--samp-rate", "200e3", "--no-progress"],
                               "decisions"),
        "robustamc-demo": (["--narrowband", "--modulations", "BPSK", "--segment", "0.1", "--fast", "--quiet",
                            "--average", "8"], "accuracy:"),
        "robustamc-bench": (["--only", "model", "--batch-sizes", "1", "--seconds", "0.05"],
                            "windows/s"),
        "robustamc-capture": (["--source", "sim", "--label", "QPSK", "--seconds", "0.05",
                               "--out", tmp / "cap"], "annotations"),
        "robustamc-realism": (["--segments", "1", "--windows", "16", "--snr-db", "18",
                               "--conditions", "field", "--bundle", "compact", "--classes",
                               "QPSK", "8PSK"],
                              "mostly mistaken for"),
    }


def test_every_program_runs_from_a_plain_shell(tmp_path, gr_robustamc):
    """Each installed program does one real job from a shell with nothing activated."""
    calls = _real_calls(tmp_path)
    assert sorted(calls) == PROGRAMS, "a program without a real call here"
    for program, (args, expect) in calls.items():
        p = subprocess.run([installed(program), *map(str, args)], capture_output=True,
                           text=True, env=clean_env(tmp_path), timeout=600, cwd=tmp_path)
        assert p.returncode == 0, f"{program}: {p.stdout}\n{p.stderr}"
        assert expect in p.stdout + p.stderr, f"{program}: {p.stdout}\n{p.stderr}"
