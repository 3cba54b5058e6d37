#!/usr/bin/env python3
"""The README's flag table and `--help` name the same flags, with the same defaults.

    check_readme_flags.py --binary build/proctree_exporter
"""

import argparse
import os
import re
import subprocess
import sys

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")


def help_flags(binary):
    """flag -> default ('' when --help gives none), from the usage text."""
    text = subprocess.run([binary, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=30).stdout.decode()
    flags, current = {}, None
    for line in text.splitlines():
        m = re.match(r"\s{2}(--[a-z0-9.-]+)", line)
        if m:
            current = m.group(1)
            flags[current] = ""
        for alias in re.findall(r"\(also (--[a-z0-9.-]+)\)", line):
            flags[alias] = ""
        if current and (d := re.search(r"Default: (\S+)$", line)):
            flags[current] = d.group(1)
    return flags


def readme_flags():
    """flag -> default, from the first column (every `--flag` in it) and the second."""
    flags = {}
    in_table = False
    for line in open(README, encoding="utf-8"):
        if line.startswith("## "):
            in_table = line.strip() == "## Flags"
            continue
        if not in_table or not line.startswith("| `--"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        default = cells[1].strip("`") if cells[1].startswith("`") else ""
        for flag in re.findall(r"`(--[a-z0-9.-]+)", cells[0]):
            flags[flag] = default
    return flags


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()
    want, have = help_flags(args.binary), readme_flags()
    errors = [f"{f}: in --help, not in the README's flag table" for f in sorted(set(want) - set(have))]
    errors += [f"{f}: in the README's flag table, not in --help" for f in sorted(set(have) - set(want))]
    errors += [f"{f}: default {have[f]!r} in the README, {want[f]!r} in --help"
               for f in sorted(set(want) & set(have)) if want[f] and have[f] != want[f]]
    for e in errors:
        print(e)
    print(f"{len(want)} flags in --help, {len(have)} in the README")
    print(f"{0 if errors else 1} passed, {1 if errors else 0} failed")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
