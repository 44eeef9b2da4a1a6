#!/usr/bin/env python3
"""Memory soak of the live blocks: resident memory while a long stream goes through.

  .venv/bin/python scripts/soak.py --classifier-samples 3e8 --gate-samples 3e9

Runs (1) a repeating QPSK-plus-noise stream -> modulation_classifier (every window
classified, decisions of 16 windows published to a counting message sink) -> null sink, and
(2) a stream of noise with bursts -> occupancy_gate_cc -> null sink, each for the given
number of samples, sampling this process's resident memory (VmRSS) every --every seconds.
Prints one Markdown table per block: samples through, RSS (MB), and the growth from the first
sample after warm-up; a flat RSS means no leak per window, per decision or per message.
"""
import time

import numpy as np


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def soak(tb, counter, total, every, label):
    """Run `tb`, printing (seconds, samples through, RSS) rows until it ends."""
    print(f"\n### {label}: {total:.3g} samples\n")
    print("| seconds | samples through | RSS (MB) | growth since warm-up (MB) |")
    print("|---:|---:|---:|---:|")
    tb.start()
    t0, base, rows = time.time(), None, []
    while True:
        done = counter()
        mb = rss_mb()
        if base is None and done > 0.05 * total:
            base = mb
        rows.append((time.time() - t0, done, mb))
        print(f"| {time.time() - t0:.0f} | {done:,.0f} | {mb:.1f} | "
              f"{'' if base is None else f'{mb - base:+.1f}'} |", flush=True)
        if done >= total:
            break
        time.sleep(every)
    tb.wait()
    return rows


def main():
    from robustamc.cli import parser
    p = parser(__doc__)
    p.add_argument("--classifier-samples", type=float, default=3e8)
    p.add_argument("--gate-samples", type=float, default=3e9)
    p.add_argument("--every", type=float, default=10.0, help="seconds between RSS samples")
    args = p.parse_args()

    import pmt
    from gnuradio import blocks, gr
    from gnuradio import robustamc

    class Counter(gr.basic_block):
        """Counts label messages and drops them (a store would grow by design)."""

        def __init__(self):
            gr.basic_block.__init__(self, "counter", None, None)
            self.n = 0
            self.message_port_register_in(pmt.intern("in"))
            self.set_msg_handler(pmt.intern("in"), self._on)

        def _on(self, msg):
            self.n += 1

    rng = np.random.default_rng(0)
    n = 1 << 16
    t = np.arange(n)
    sym = rng.choice([1 + 1j, 1 - 1j, -1 + 1j, -1 - 1j], n // 8).repeat(8) / np.sqrt(2)
    x = (sym * np.exp(2j * np.pi * 0.0002 * t) + 0.1 * (rng.standard_normal(n)
         + 1j * rng.standard_normal(n))).astype(np.complex64)

    total = int(args.classifier_samples)
    tb = gr.top_block()
    src = blocks.vector_source_c(x.tolist(), True)
    head = blocks.head(gr.sizeof_gr_complex, total)
    clf = robustamc.modulation_classifier(average=16)
    sink = Counter()
    tb.connect(src, head, clf, blocks.null_sink(gr.sizeof_gr_complex))
    tb.msg_connect(clf, "labels", sink, "in")
    soak(tb, lambda: clf.nitems_read(0), total, args.every, "modulation_classifier")
    s = clf.stats()
    print(f"\nwindows {s['windows']:,}, decisions {s['decisions']:,}, messages received "
          f"{sink.n:,}")

    total = int(args.gate_samples)
    burst = x.copy()
    burst[: n // 2] = 0.05 * (rng.standard_normal(n // 2) + 1j * rng.standard_normal(n // 2))
    tb = gr.top_block()
    src = blocks.vector_source_c(burst.tolist(), True)
    head = blocks.head(gr.sizeof_gr_complex, total)
    gate = robustamc.occupancy_gate_cc(128, 6.0)
    tb.connect(src, head, gate, blocks.null_sink(gr.sizeof_gr_complex))
    soak(tb, lambda: gate.nitems_read(0), total, args.every, "occupancy_gate_cc")
    print(f"\nwindows in {gate.windows_in():,}, out {gate.windows_out():,}")


if __name__ == "__main__":
    main()
