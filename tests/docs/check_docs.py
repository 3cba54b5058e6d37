#!/usr/bin/env python3
"""docs/metrics.md must be what tests/docs/metrics_doc prints, and the catalog's
labels must be the ones the exporter writes: every family in the golden
scrapes (tests/golden/*.prom) carries exactly its catalog labels, after the
process identity labels.

    check_docs.py --tool build/tests/docs/metrics_doc            # check
    check_docs.py --tool build/tests/docs/metrics_doc --update   # rewrite docs/metrics.md
"""

import argparse
import difflib
import glob
import os
import re
import subprocess
import sys

SOURCE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DOC = os.path.join(SOURCE, "docs", "metrics.md")
IDENTITY = {"pid", "comm", "user", "exe", "cgroup", "container_id", "cmdline"}


def catalog_labels(doc):
    """family -> (has identity, [own labels]) from the generated table."""
    out = {}
    for m in re.finditer(r"^\| `([a-z_:]+)` \| \w+ \| ([^|]*) \|", doc, re.M):
        cell = m.group(2)
        out[m.group(1)] = ("*identity*" in cell, re.findall(r"`([a-z_]+)`", cell))
    return out


def golden_labels():
    """family -> set of label-name tuples seen in the golden scrapes."""
    seen = {}
    for path in glob.glob(os.path.join(SOURCE, "tests", "golden", "*.prom")):
        for line in open(path, encoding="utf-8"):
            m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ", line)
            if not m or line.startswith("#"):
                continue
            names = tuple(re.findall(r'(?:^|,)([a-zA-Z_][a-zA-Z0-9_]*)="', m.group(2) or ""))
            seen.setdefault(m.group(1), set()).add(names)
    return seen


def label_errors(doc):
    errors = []
    catalog = catalog_labels(doc)
    for family, shapes in sorted(golden_labels().items()):
        if family not in catalog:
            errors.append(f"{family}: in the golden scrape but not in the catalog")
            continue
        identity, own = catalog[family]
        for names in shapes:
            lead = 0
            while identity and lead < len(names) and names[lead] in IDENTITY:
                lead += 1
            rest = list(names[lead:])
            # A label the identity already carries (user, when it labels every family) is not repeated.
            if rest not in (own, [n for n in own if n not in names[:lead]]):
                errors.append(f"{family}: writes labels {list(names)}, the catalog says {own}"
                              f"{' after the identity' if identity else ''}")
    return errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--update", action="store_true")
    args = ap.parse_args()
    doc = subprocess.run([args.tool], stdout=subprocess.PIPE, check=True, timeout=60).stdout.decode()
    if args.update:
        with open(DOC, "w", encoding="utf-8") as f:
            f.write(doc)
        print(f"wrote {os.path.relpath(DOC, SOURCE)}")
        return 0
    failed = 0
    have = open(DOC, encoding="utf-8").read() if os.path.exists(DOC) else ""
    if have != doc:
        sys.stdout.writelines(difflib.unified_diff(have.splitlines(True), doc.splitlines(True),
                                                   "docs/metrics.md", "catalog"))
        print("docs/metrics.md is stale: run `make docs`")
        failed += 1
    errors = label_errors(doc)
    for e in errors:
        print(e)
    failed += bool(errors)
    print(f"{2 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
