#
# Copyright 2026 gr-robustamc authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gr-robustamc blocks: robust modulation classification for GNU Radio.

The ML behind the blocks lives in the GNU-Radio-free core package `robustamc`.
"""

from ._core import ensure_core as _ensure_core

_ensure_core()  # the core may live in another interpreter's site (GNU Radio Companion)

# C++ blocks (pybind11)
from .robustamc_python import *  # noqa: F401,F403,E402

# Python blocks
from .modulation_classifier import modulation_classifier, window_classifier  # noqa: F401,E402
from .stock_modulation_source import stock_modulation_source  # noqa: F401,E402
from .adversarial_injector import adversarial_injector  # noqa: F401,E402 (PyTorch on use)
from .sigmf_recorder import sigmf_recorder  # noqa: F401,E402
from .signal_scanner import signal_scanner  # noqa: F401,E402

try:  # the Qt displays need PyQt5 (GNU Radio's QT GUI); the other blocks do not
    from .label_display import label_display  # noqa: F401
    from .scanner_display import scanner_display  # noqa: F401
except ModuleNotFoundError as e:
    if e.name not in ("PyQt5", "PyQt5.QtCore"):
        raise
