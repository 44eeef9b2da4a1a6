"""gr-robustamc ML core: data, models, training, bundles and inference.

Never imports GNU Radio, so it trains and evaluates on any machine with PyTorch.
"""
from .constants import CLASSES, SNRS_DB, WINDOW, SAMPLE_RATE, SAMPLES_PER_SYMBOL

__version__ = "0.1.0"
__all__ = ["CLASSES", "SNRS_DB", "WINDOW", "SAMPLE_RATE", "SAMPLES_PER_SYMBOL", "__version__"]
