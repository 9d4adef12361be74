#!/usr/bin/env python3
"""tap_yaml.py FILE: read every YAML diagnostic block of a TAP report with
PyYAML (a full YAML 1.1 reader) and print, one per line and tab-separated,
the test point's number and each block's `seed`, `trial_seed` and `case`
values as read back, each as TYPE:VALUE (str:0x03, int:3, NoneType:None),
so a seed read as a number shows; or exit 1
naming the block that does not parse."""
import re
import sys

import yaml

lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
block, point = None, None
for no, line in enumerate(lines, 1):
    m = re.match(r"^(?:not )?ok (\d+)", line)
    if m and block is None:
        point = int(m.group(1))
    elif block is None and line == "  ---":
        block = []
    elif block is not None and line == "  ...":
        try:
            doc = yaml.safe_load("\n".join(x[2:] for x in block))
        except yaml.YAMLError as e:
            print(f"line {no}: point {point}: {e}", file=sys.stderr)
            sys.exit(1)
        print(point, *(f"{type(doc.get(k)).__name__}:{doc.get(k)}" for k in ("seed", "trial_seed", "case")),
              sep="\t")
        block = None
    elif block is not None:
        if not line.startswith("  ") and line:
            print(f"line {no}: point {point}: a YAML line not indented", file=sys.stderr)
            sys.exit(1)
        block.append(line)
