#!/usr/bin/env python3
"""Turns the soak's RSS curve (test_soak.py's soak_rss.csv) into the run section of docs/soak.md.

    python3 tests/robustness/soak_report.py [--csv build/soak/soak_rss.csv] [--write docs/soak.md]

Prints the section: the run's facts (the CSV's "# key: value" lines), the
verdict as the test computes it, a table of ~20 points and an ASCII plot of
RSS over the scrapes. With --write, replaces everything after the marker
line in that file (the text above it is written by hand). Python 3 standard
library only.
"""

import argparse
import csv
import os
import sys

MARKER = "<!-- soak_report.py writes everything below this line -->"
BASE_FROM, BASE_AT = 500, 1000  # as in test_soak.py
LAST_WINDOW = 1000
MAX_GROWTH = 0.10
ROWS = 20
PLOT_WIDTH = 64
PLOT_HEIGHT = 14  # rows above and below the base: 7 each


def read(path):
    meta = {}
    lines = []
    with open(path) as f:
        for line in f:
            if line.startswith("# "):
                key, _, value = line[2:].partition(": ")
                meta[key.strip()] = value.strip()
            else:
                lines.append(line)
    rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(lines)]
    if not rows:
        raise SystemExit(f"{path}: no samples")
    return meta, rows


def verdict(rows):
    scrapes = int(rows[-1]["scrape"])
    warm = [r for r in rows if BASE_FROM <= r["scrape"] <= BASE_AT]
    last = [r for r in rows if r["scrape"] > scrapes - LAST_WINDOW]
    if not warm or not last:
        return None, None, None
    base = max(warm, key=lambda r: r["rss_kib"])
    end = max(last, key=lambda r: r["rss_kib"])
    return base, end, end["rss_kib"] / base["rss_kib"] - 1


def table(rows):
    step = max(1, (len(rows) - 1) // ROWS)
    picked = rows[::step]
    if picked[-1] is not rows[-1]:
        picked.append(rows[-1])
    fds = "fds" in rows[0]
    out = ["| scrape | seconds | RSS KiB | anon RSS KiB | peak (VmHWM) KiB | processes seen | exporter CPU s |"
           + (" open fds |" if fds else ""),
           "|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if fds else "")]
    for r in picked:
        out.append(f"| {int(r['scrape']):,} | {r['seconds']:.0f} | {int(r['rss_kib']):,} | {int(r['rss_anon_kib']):,} "
                   f"| {int(r['hwm_kib']):,} | {int(r['processes']):,} | {r['exporter_cpu_seconds']:.1f} |"
                   + (f" {int(r['fds'])} |" if fds else ""))
    return out


def plot(rows, base):
    """RSS (largest sample per column) against the scrape index. One row is 2% of the base, which
    sits on the row marked 0%, so a few percent of growth shows; `-` marks the bound, `v` a column
    below the range (the first scrapes, before the working set is allocated), `^` one above it."""
    scrapes = rows[-1]["scrape"] or 1
    step = 0.02
    top = PLOT_HEIGHT // 2
    cols = [None] * PLOT_WIDTH
    for r in rows:
        c = min(PLOT_WIDTH - 1, int(r["scrape"] / scrapes * (PLOT_WIDTH - 1)))
        cols[c] = max(cols[c] or 0, r["rss_kib"])

    def level(v):
        return round((v / base - 1) / step)

    limit_row = level(base * (1 + MAX_GROWTH))
    out = []
    for y in range(top, -top - 1, -1):
        label = f"{base * (1 + step * y) / 1024:6.1f} MiB {step * y:+4.0%} |"
        line = []
        for v in cols:
            lv = None if v is None else max(-top, min(top, level(v)))
            if lv is not None and lv == y:
                raw = level(v)
                line.append("v" if raw < -top else "^" if raw > top else "*")
            elif y == limit_row:
                line.append("-")
            else:
                line.append(" ")
        out.append(label + "".join(line))
    pad = len(out[0]) - PLOT_WIDTH - 1
    out.append(" " * pad + "+" + "-" * PLOT_WIDTH)
    right = f"{int(scrapes):,} scrapes"
    out.append(" " * (pad + 1) + "0" + right.rjust(PLOT_WIDTH - 1))
    return out


def section(meta, rows):
    base, end, growth = verdict(rows)
    out = [f"## Run of {meta.get('date', '?')}, revision {meta.get('revision', '?')}", ""]
    facts = [f"- {key.replace('_', ' ')}: {value}" for key, value in meta.items() if key not in ("date", "revision")]
    if facts:
        out += facts + [""]
    if base is not None:
        ok = growth <= MAX_GROWTH
        out.append(f"Verdict: largest RSS from scrape {BASE_FROM:,} to {BASE_AT:,} {int(base['rss_kib']):,} KiB (at "
                   f"scrape {int(base['scrape']):,}); largest over the last "
                   f"{LAST_WINDOW:,} scrapes {int(end['rss_kib']):,} KiB (at scrape {int(end['scrape']):,}): "
                   f"{growth:+.2%}, {'within' if ok else 'OVER'} the {MAX_GROWTH:.0%} bound.")
        out.append("")
        out += [f"RSS over the scrapes (`*`; `-`: the bound, {MAX_GROWTH:.0%} over that base; "
                "`v`: below the plotted range):", "", "```"] + plot(rows, base["rss_kib"]) + ["```", ""]
    out += table(rows)
    out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--csv", default=os.path.join("build", "soak", "soak_rss.csv"))
    ap.add_argument("--write", metavar="DOC", help="replace the generated part of DOC (e.g. docs/soak.md)")
    args = ap.parse_args()
    meta, rows = read(args.csv)
    text = section(meta, rows)
    if not args.write:
        sys.stdout.write(text)
        return
    with open(args.write) as f:
        doc = f.read()
    head, sep, _ = doc.partition(MARKER)
    if not sep:
        raise SystemExit(f"{args.write}: no marker line {MARKER!r}")
    with open(args.write, "w") as f:
        f.write(head + MARKER + "\n\n" + text)


if __name__ == "__main__":
    main()
