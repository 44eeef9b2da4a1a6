#!/usr/bin/env python3
"""Run robustamc-bench against another commit's ML core, for A/B throughput comparisons.

    git worktree add /tmp/old <commit>
    python scripts/bench_ab.py --core /tmp/old/python [--python-publish] -- --only flowgraph

`--core DIR` loads the `robustamc` package from DIR/robustamc instead of the installed one
(the GNU Radio blocks stay the installed ones); `--python-publish` makes the classifier
publish its label messages with a Python loop of message_port_pub, as before
`publish_messages` existed. Everything after `--` goes to robustamc-bench.
"""
import argparse
import importlib.machinery
import importlib.util
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--core", help="directory holding the robustamc package to load instead")
    p.add_argument("--python-publish", action="store_true",
                   help="publish label messages with a Python loop (the block before publish_messages)")
    args, rest = p.parse_known_args()
    if rest[:1] == ["--"]:
        rest = rest[1:]
    if args.core:
        pkg = os.path.join(os.path.abspath(args.core), "robustamc")
        if not os.path.isfile(os.path.join(pkg, "__init__.py")):
            p.error(f"no robustamc package in {args.core}")
        # a directory holding only the core: DIR itself may hold a gnuradio/ that would
        # shadow the installed blocks
        shim = tempfile.mkdtemp(prefix="robustamc-core-")
        os.symlink(pkg, os.path.join(shim, "robustamc"))
        sys.path.insert(0, shim)
    import robustamc
    print(f"ML core: {os.path.dirname(robustamc.__file__)}", file=sys.stderr)
    if args.python_publish:
        from gnuradio import robustamc as _  # noqa: F401  (loads the block module)
        block_module = sys.modules["gnuradio.robustamc.modulation_classifier"]

        def python_loop(block, port, msgs):
            send = block.message_port_pub
            for m in msgs:
                send(port, m)
            return len(msgs)
        block_module.publish_messages = python_loop
    path = os.path.join(HERE, "..", "apps", "robustamc-bench")
    loader = importlib.machinery.SourceFileLoader("robustamc_bench", path)
    spec = importlib.util.spec_from_loader("robustamc_bench", loader)
    bench = importlib.util.module_from_spec(spec)
    loader.exec_module(bench)
    return bench.main(rest)


if __name__ == "__main__":
    sys.exit(main())
