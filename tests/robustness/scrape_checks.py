"""A strict and cheap check of a scrape payload, for tests that check hundreds of them.

harness.parse_metrics builds a Sample per line in Python and takes ~0.2 s for a
400 KB payload; the robustness tests check every one of hundreds of scrapes, so
this does one compiled regex per line instead (~10x faster) and keeps the
series as raw label strings, parsed only when a test asks. What it checks, per
the text exposition format 0.0.4 (promtool on a sample of payloads checks the
rest): valid UTF-8; a final newline; every line a well-formed sample, `# HELP`,
`# TYPE` or other comment; label values with only the three escapes; no label
twice in a series; a known type for every family, declared before its samples;
a family's lines together (never resumed after another family began); no
series twice.
"""

import re

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
_VALUE = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?|Inf)|NaN"
_SAMPLE = re.compile(rf"({_NAME})(\{{(?:{_LABEL}(?:,{_LABEL})*,?)?\}})? ({_VALUE})(?: -?[0-9]+)?")
_HELP = re.compile(rf"# HELP ({_NAME}) (?:[^\\\n]|\\[\\n])*")
_TYPE = re.compile(rf"# TYPE ({_NAME}) (counter|gauge|histogram|summary|untyped)")
_LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
_UNESCAPE = re.compile(r"\\(.)")
_SUFFIXES = ("_bucket", "_sum", "_count")


class PayloadError(ValueError):
    pass


class Scrape:
    """The checked payload: `types` {family: type}, `series` {(name, raw labels): value}, in order."""

    __slots__ = ("types", "series", "text")

    def __init__(self, types, series, text):
        self.types = types
        self.series = series
        self.text = text

    def family(self, name):
        """[(labels dict, value)] of the series of metric `name`."""
        return [(labels(raw), v) for (n, raw), v in self.series.items() if n == name]


def labels(raw):
    """'{a="x",b="y\\n"}' -> {'a': 'x', 'b': 'y\\n'}."""
    return {k: _UNESCAPE.sub(lambda m: "\n" if m.group(1) == "n" else m.group(1), v)
            for k, v in _LABEL_PAIR.findall(raw or "")}


def check(body):
    """Checks a payload (bytes); returns a Scrape or raises PayloadError saying where and why."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PayloadError(f"not valid UTF-8: {e}; around {body[max(0, e.start - 80):e.end + 80]!r}") from None
    if not text.endswith("\n"):
        raise PayloadError(f"does not end with a newline (cut short?): ...{text[-200:]!r}")
    types = {}
    series = {}
    finished = set()  # families whose lines are over
    current = None
    for lineno, line in enumerate(text[:-1].split("\n"), 1):
        if not line:
            continue
        if line[0] == "#":
            m = _TYPE.fullmatch(line) or _HELP.fullmatch(line)
            if m is None:
                if line.startswith(("# HELP", "# TYPE")):
                    raise PayloadError(f"line {lineno}: malformed: {line!r}")
                continue  # a plain comment
            family = m.group(1)
            if line[2] == "T":
                if family in types:
                    raise PayloadError(f"line {lineno}: second TYPE for {family}")
                types[family] = m.group(2)
        else:
            m = _SAMPLE.fullmatch(line)
            if m is None:
                raise PayloadError(f"line {lineno}: malformed sample: {line!r}")
            name, raw, value = m.group(1), m.group(2), m.group(3)
            family = name
            if name not in types:
                for suffix in _SUFFIXES:
                    if name.endswith(suffix) and name[:-len(suffix)] in types:
                        family = name[:-len(suffix)]
                        break
                else:
                    raise PayloadError(f"line {lineno}: sample before (or without) a TYPE for {name}: {line!r}")
            if raw and raw.count("=") > 1:
                names = [k for k, _ in _LABEL_PAIR.findall(raw)]
                if len(names) != len(set(names)):
                    raise PayloadError(f"line {lineno}: a label twice: {line!r}")
            key = (name, raw or "")
            if key in series:
                raise PayloadError(f"line {lineno}: duplicate series: {line!r}")
            series[key] = float(value)
        if family != current:
            if family in finished:
                raise PayloadError(f"line {lineno}: family {family} resumed after other families: {line!r}")
            if current is not None:
                finished.add(current)
            current = family
    return Scrape(types, series, text)
