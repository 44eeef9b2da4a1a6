"""Copy a Python program, replacing its `#!` line with one naming INTERPRETER.

usage: set_shebang.py SRC DST INTERPRETER  (used by apps/CMakeLists.txt)
"""
import os
import sys

src, dst, interpreter = sys.argv[1:4]
with open(src, encoding="utf-8") as f:
    body = f.read()
if body.startswith("#!"):
    body = body.split("\n", 1)[1] if "\n" in body else ""
with open(dst, "w", encoding="utf-8") as f:
    f.write(f"#!{interpreter}\n{body}")
os.chmod(dst, 0o755)
