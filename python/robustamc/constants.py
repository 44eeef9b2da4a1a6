"""Conventions shared by every part of gr-robustamc (see docs/ARCHITECTURE.md)."""

#: RadioML 2016.10a classes, sorted; model outputs follow this order.
CLASSES = (
    "8PSK", "AM-DSB", "AM-SSB", "BPSK", "CPFSK", "GFSK",
    "PAM4", "QAM16", "QAM64", "QPSK", "WBFM",
)
#: SNR labels in dB, -20 ... 18 in 2 dB steps.
SNRS_DB = tuple(range(-20, 20, 2))
#: Samples per frame (window) and the model's sample rate.
WINDOW = 128
SAMPLE_RATE = 200e3
SAMPLES_PER_SYMBOL = 8
RRC_ROLLOFF = 0.35
