"""Small helpers shared by the programs in apps/ (argument conventions, seeding).

Imports nothing heavy: the programs parse their arguments (and answer --help) before torch
is loaded.
"""
from __future__ import annotations

import argparse
import os
import random
import shlex
import sys


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """--help keeps the description's layout and shows every option's default."""

    def _get_help_string(self, action):
        text = action.help or ""
        d = action.default
        if isinstance(d, (list, tuple)):   # [fgm pgd], not [['fgm', 'pgd']]
            shown = " ".join(map(str, d)).replace("%", "%%")
            return text.replace("%(default)s", shown) if "%(default)" in text \
                else f"{text} [{shown}]"
        if "%(default)" in text or d in (None, False, argparse.SUPPRESS) \
                or not action.option_strings:
            return text
        return text + " [%(default)s]"


def parser(description: str, **kw) -> argparse.ArgumentParser:
    """The programs' argument parser: description as written, defaults shown."""
    return argparse.ArgumentParser(description=description, formatter_class=HelpFormatter, **kw)


def add_common_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=0, help="random seed (data and model init)")
    p.add_argument("--threads", type=int, default=0,
                   help="torch CPU threads (0 = PyTorch's default)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def setup(args) -> None:
    """Seed every generator and set thread counts from the common arguments (torch's too
    where it is installed: classifying runs without it, on the engine)."""
    import numpy as np
    try:
        import torch
    except ImportError:
        torch = None
    seed = getattr(args, "seed", 0)
    random.seed(seed)
    np.random.seed(seed)
    if torch is not None:
        if getattr(args, "threads", 0):
            torch.set_num_threads(args.threads)
        torch.manual_seed(seed)


def command_line() -> str:
    """The command as typed, for provenance in bundles and reports."""
    return " ".join(shlex.quote(a) for a in [os.path.basename(sys.argv[0])] + sys.argv[1:])


def fail(msg: str, code: int = 2):
    print(f"error: {msg}", file=sys.stderr)
    raise SystemExit(code)
