#!/usr/bin/env python3
"""The golden end-to-end scrape: `--once --path.procfs tests/fixtures/proc` with
a fixed config, diffed against a reviewed, checked-in payload.

    golden_scrape.py --binary build/proctree_exporter            # check (ctest golden.*)
    golden_scrape.py --binary build/proctree_exporter --update   # rewrite the .prom files

`make golden-update` runs the second; review its diff like code. What the host
decides rather than the fixture is normalized before comparing (see
normalize()); samples are sorted within each family, since their order follows
the fixture directory's readdir order, which depends on the filesystem.
"""

import argparse
import difflib
import os
import pwd
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURE = "tests/fixtures/proc"  # relative: it shows in proctree_exporter_pid_namespace_info

# name -> --config.file (None: the embedded default).
CASES = {
    "default": None,
    "selectors": "tests/golden/selectors.yml",
}

# Names every Debian host resolves the same way; other uids may have a name on
# one host and none on another, so they are compared as numbers.
STABLE_USERS = {"root", "nobody"}

HOST_LABELS = {
    "proctree_exporter_build_info": ("version", "revision"),
    "proctree_exporter_pid_namespace_info": ("exporter_pid_namespace",),
}
HOST_VALUES = {"proctree_exporter_capability", "proctree_config_last_reload_success_timestamp_seconds"}


def scrape(binary, config):
    cmd = [binary, "--once", "--path.procfs", FIXTURE, "--web.disable-exporter-metrics"]
    if config:
        cmd += ["--config.file", config]
    r = subprocess.run(cmd, cwd=SOURCE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stderr.decode(errors='replace')}")
    return r.stdout


def user_as_number(match):
    name = match.group(1)
    if name in STABLE_USERS or name.isdigit():
        return match.group(0)
    try:
        return f'user="{pwd.getpwnam(name).pw_uid}"'
    except KeyError:
        return match.group(0)


def normalize_sample(line):
    name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
    for label in HOST_LABELS.get(name, ()):
        line = re.sub(rf'\b{label}="(?:[^"\\]|\\.)*"', f'{label}="<host>"', line)
    if name in HOST_VALUES:
        line = line.rsplit(" ", 1)[0] + " <host>"
    return re.sub(r'\buser="((?:[^"\\]|\\.)*)"', user_as_number, line)


def normalize(payload):
    """The payload as text, host-dependent parts replaced, samples sorted per family."""
    text = payload.decode("utf-8")  # a payload that is not UTF-8 fails here, as it should
    out, samples = [], []
    for line in text.splitlines():
        if line.startswith("#"):
            if samples:
                out += sorted(samples)
                samples = []
            out.append(line)
        elif line:
            samples.append(normalize_sample(line))
    return "\n".join(out + sorted(samples)) + "\n"


def promtool_ok(payload):
    r = subprocess.run(["promtool", "check", "metrics"], input=payload, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    return r.returncode == 0, r.stdout.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--update", action="store_true", help="rewrite the expected payloads")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    failed = 0
    for name, config in CASES.items():
        payload = scrape(binary, config)
        ok, why = promtool_ok(payload)
        if not ok:
            print(f"golden {name}: promtool check metrics failed:\n{why}")
            failed += 1
        got = normalize(payload)
        path = os.path.join(HERE, f"{name}.prom")
        if args.update:
            with open(path, "w", encoding="utf-8") as f:
                f.write(got)
            print(f"golden {name}: wrote {os.path.relpath(path, SOURCE)}")
            continue
        with open(path, encoding="utf-8") as f:
            want = f.read()
        if got != want:
            diff = difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                        f"{name}.prom (expected)", f"{name} (this build)")
            sys.stdout.writelines(diff)
            print(f"golden {name}: the scrape differs; if the change is intended, run `make golden-update`"
                  " and review the diff")
            failed += 1
        else:
            print(f"golden {name}: matches ({got.count(chr(10))} lines)")
    print(f"{len(CASES) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
