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
#: Synthesiser presets: `rml2016` (RadioML 2016.10a's conventions) and `field` (what real
#: receivers deliver; docs/ARCHITECTURE.md, "The model-input convention").
PRESETS = ("rml2016", "field")

#: Other names people give the classes (after case and '-', '_', ' ' are ignored).
CLASS_ALIASES = {"FM": "WBFM", "WFM": "WBFM", "AM": "AM-DSB", "DSB": "AM-DSB", "SSB": "AM-SSB",
                 "16QAM": "QAM16", "64QAM": "QAM64", "4PAM": "PAM4", "4ASK": "PAM4",
                 "ASK4": "PAM4"}


def _key(name: str) -> str:
    return "".join(c for c in str(name).upper() if c not in "-_ ")


_BY_KEY = {**{_key(c): c for c in CLASSES}, **{_key(a): c for a, c in CLASS_ALIASES.items()}}


def class_name(name: str) -> str:
    """The class a user means: case-insensitive, '-', '_' and spaces ignored, common other
    names accepted (qpsk -> QPSK, am_dsb -> AM-DSB, FM -> WBFM, 16QAM -> QAM16); ValueError
    lists the classes otherwise."""
    c = _BY_KEY.get(_key(name))
    if c is None:
        raise ValueError(f"unknown modulation {name!r}; known: {', '.join(CLASSES)} "
                         "(any case; FM, AM, SSB, 16QAM, 64QAM also understood)")
    return c
