"""Shared fixtures. Tests run against the installed module (the README's test command
installs it); GNU Radio tests are skipped with a reason where GNU Radio is absent."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "apps"


def run_app(name, *args, check=True, timeout=600, env=None):
    """Run a program from apps/ with this interpreter; returns CompletedProcess (text)."""
    cmd = [sys.executable, str(APPS / name), *map(str, args)]
    e = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e)
    if check and p.returncode != 0:
        raise AssertionError(f"{name} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


@pytest.fixture(scope="session")
def gr_robustamc():
    """The installed GNU Radio blocks (skips the test where GNU Radio is not installed)."""
    pytest.importorskip("gnuradio.gr", reason="GNU Radio is not installed here")
    from gnuradio import robustamc
    return robustamc


@pytest.fixture(scope="session")
def small_bundle(tmp_path_factory):
    """A tiny, briefly trained compact bundle written by the real training code."""
    import torch

    from robustamc.bundle import save_bundle
    from robustamc.models import build_model
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("bundle") / "tiny.json"
    save_bundle(build_model("compact"), path, extra={"note": "untrained, for format tests"})
    return path
