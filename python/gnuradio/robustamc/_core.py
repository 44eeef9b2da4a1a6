"""Makes the ML core (`import robustamc`) importable in the interpreter the blocks run in.

GNU Radio Companion runs flowgraphs with its own interpreter (Debian's /usr/bin/python3),
while the core and PyTorch live in the project's venv. When this interpreter has no core of
its own, the venv's site-packages (recorded at install time in `_core_site`) go on sys.path
ahead of the system's, in the order the venv itself uses, so the blocks import the same
packages as in the venv. An interpreter that has the core (the venv, a user's own install)
is left as it is.
"""
import importlib
import os
import site
import sys


def ensure_core():
    """Import `robustamc`, adding the recorded core site when needed; ImportError says how
    to fix a missing core."""
    try:
        return importlib.import_module("robustamc")
    except ModuleNotFoundError as e:
        if e.name != "robustamc":
            raise
    try:
        from ._core_site import CORE_PYTHON, CORE_SITE
    except ImportError:  # a source tree used without CMake's configured file
        CORE_SITE = CORE_PYTHON = ""
    if CORE_SITE and os.path.isdir(CORE_SITE) and CORE_SITE not in sys.path:
        before = list(sys.path)
        site.addsitedir(CORE_SITE)  # also runs the site's .pth files
        added = [p for p in sys.path if p not in before]
        # the venv's order: its site-packages before /usr/local and /usr dist-packages
        first_site = next((i for i, p in enumerate(before)
                           if p.rstrip("/").endswith(("site-packages", "dist-packages"))),
                          len(before))
        sys.path[:] = before[:first_site] + added + before[first_site:]
        importlib.invalidate_caches()
        try:
            return importlib.import_module("robustamc")
        except ModuleNotFoundError as e:
            if e.name != "robustamc":
                raise
    raise ImportError(
        f"the Robust AMC blocks need the robustamc ML core, which {sys.executable} cannot "
        f"import (looked in {CORE_SITE or 'no recorded core site'}). Run `bash run.sh demo` "
        f"(or scripts/bootstrap.sh) in the gr-robustamc checkout to install it"
        + (f", or run the flowgraph with {CORE_PYTHON}" if CORE_PYTHON else "") + ".",
        name="robustamc")
