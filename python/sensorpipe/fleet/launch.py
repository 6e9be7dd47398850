"""Launch-string templates of a fleet: the placeholders {input}, {out} and
{stem}, each log's stem, and where the `sensorpipe` program is.

A placeholder sits inside a property value (`path={input}`,
`dir={out}/{stem}`). After substitution a value that needs quoting for the
launch parser (a space, a '!', a quote) is re-quoted as a whole, because the
parser takes a value either bare or wholly quoted; so write the placeholders
bare and never quote them yourself.
"""
import os
import re
import shutil

PLACEHOLDERS = ("input", "out", "stem")

# The launch parser's tokens (pipeline/launch.c): blanks, '!', key=value with
# a bare, '...' or "..." value (in "..." only \" and \\ are escapes), and
# bare words (stage names).
_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\n]+)
  | (?P<bang>!)
  | (?P<key>[A-Za-z_][A-Za-z0-9_-]*)=
        (?: '(?P<sq>[^']*)'
          | "(?P<dq>(?:[^"\\]|\\.)*)"
          | (?P<bare>[^ \t\r\n!'"]*) )
  | (?P<word>[^ \t\r\n!]+)
""", re.X | re.S)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NEEDS_QUOTES = re.compile(r"""[ \t\r\n!'"]""")


class LaunchError(ValueError):
    """A LAUNCH template that cannot serve a fleet."""


def _values(launch):
    """Yields (match, literal value or None for non-values) over the launch
    string's tokens."""
    for m in _TOKEN.finditer(launch):
        if m.group("key") is None:
            yield m, None
        elif m.group("sq") is not None:
            yield m, m.group("sq")
        elif m.group("dq") is not None:
            yield m, re.sub(r'\\([\\"])', r"\1", m.group("dq"))
        else:
            yield m, m.group("bare")


def _quote(value):
    if value and not _NEEDS_QUOTES.search(value):
        return value
    if "'" not in value:
        return "'" + value + "'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _substitute(text, subst):
    def one(m):
        name = m.group(1)
        if name not in subst:
            raise LaunchError("LAUNCH: unknown placeholder {%s}: expected "
                              "{input}, {out} or {stem}" % name)
        return subst[name]
    return _PLACEHOLDER.sub(one, text)


def check_launch(launch, n_inputs):
    """Refuses a template whose logs could not be told apart: it must read
    {input}, write under {out} (outputs are staged there and moved into
    place), and, for more than one input, every value that names {out} must
    also name {stem} so that two logs never write the same file.

    Raises LaunchError."""
    names = set(_PLACEHOLDER.findall(launch))
    unknown = names - set(PLACEHOLDERS)
    if unknown:
        raise LaunchError("LAUNCH: unknown placeholder {%s}: expected {input}, "
                          "{out} or {stem}" % sorted(unknown)[0])
    if "input" not in names:
        raise LaunchError("LAUNCH: no {input}: each task reads one log, e.g. "
                          "'bag path={input} ! ... ! npy dir={out}/{stem}'")
    if "out" not in names:
        raise LaunchError("LAUNCH: no {out}: a fleet writes under OUTDIR, e.g. "
                          "'... ! npy dir={out}/{stem}'")
    if n_inputs > 1:
        for m, value in _values(launch):
            if value is not None and "{out}" in value and "{stem}" not in value:
                raise LaunchError(
                    "LAUNCH: %s=%s writes every log to the same place: "
                    "expected {stem} in it too (e.g. %s={out}/{stem})"
                    % (m.group("key"), value, m.group("key")))


def expand_launch(launch, input, out, stem):
    """The launch string of one log: each placeholder replaced, each value
    that needs it quoted. Raises LaunchError on an unknown placeholder."""
    subst = {"input": input, "out": out, "stem": stem}
    parts = []
    for m, value in _values(launch):
        if value is None or "{" not in value:
            text = m.group(0)
            parts.append(_substitute(text, subst) if "{" in text else text)
        else:
            parts.append(m.group("key") + "=" +
                         _quote(_substitute(value, subst)))
    return "".join(parts)


def stem_of(path):
    """The {stem} of an input: a file's name without its last extension, a
    folder's whole name (a rosbag2 folder, a folder of .bin sweeps)."""
    p = path.rstrip(os.sep) or path
    name = os.path.basename(p)
    if os.path.isdir(p):
        return name
    root, _ = os.path.splitext(name)
    return root or name


def check_inputs(inputs):
    """Absolute input paths, in order; refuses a missing input, one named
    twice, two with the same stem (their outputs would collide) and names
    the list file cannot hold (a newline). Raises LaunchError."""
    paths, seen = [], {}
    for raw in inputs:
        if "\n" in raw or "\r" in raw:
            raise LaunchError("input %r: a newline in a path is not supported"
                              % raw)
        p = os.path.abspath(raw)
        if not os.path.exists(p):
            raise LaunchError("input %s: no such file or folder" % raw)
        s = stem_of(p)
        if s in seen:
            what = "named twice" if seen[s] == p else \
                "has the same stem '%s' as %s" % (s, seen[s])
            raise LaunchError("input %s %s: each log needs its own {stem}"
                              % (raw, what))
        seen[s] = p
        paths.append(p)
    return paths


def find_cli(explicit=None):
    """The `sensorpipe` program a task runs, first found of: @p explicit
    (--sensorpipe), $SP_SENSORPIPE, `sensorpipe` on $PATH, a program
    installed inside the package (sensorpipe/bin/sensorpipe), a checkout's
    build/cli/sensorpipe beside python/, and a build tree's cli/sensorpipe
    beside its python/. Returns an absolute path or raises
    FileNotFoundError naming what was tried."""
    tried = []
    for cand in (explicit, os.environ.get("SP_SENSORPIPE")):
        if cand:
            found = shutil.which(cand) if os.sep not in cand else cand
            if found and os.access(found, os.X_OK) and os.path.isfile(found):
                return os.path.abspath(found)
            raise FileNotFoundError(
                "sensorpipe program %s: not found or not executable (%s)"
                % (cand, "--sensorpipe" if cand == explicit else "SP_SENSORPIPE"))
    found = shutil.which("sensorpipe")
    if found:
        return os.path.abspath(found)
    tried.append("$PATH")
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    above = os.path.dirname(os.path.dirname(pkg))
    # The package in a checkout (ROOT/python/sensorpipe: ROOT/build/cli) or
    # in a build tree (BUILD/python/sensorpipe, PYTHONPATH=build/python:
    # BUILD/cli).
    for cand in (os.path.join(pkg, "bin", "sensorpipe"),
                 os.path.join(above, "build", "cli", "sensorpipe"),
                 os.path.join(above, "cli", "sensorpipe")):
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
        tried.append(cand)
    raise FileNotFoundError(
        "sensorpipe program not found (tried --sensorpipe, SP_SENSORPIPE, %s): "
        "build it (make) and set SP_SENSORPIPE=build/cli/sensorpipe"
        % ", ".join(tried))
