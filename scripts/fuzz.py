#!/usr/bin/env python3
"""Fuzzer for fcast's language and CSV loader (issue 18). See scripts/fuzz.

Every input runs as `fcast run input.fc` in a fresh process in a scratch folder, with the
naive plugin only (FCAST_PLUGIN_PATH), a timeout and a memory limit. Outcomes:

  ok        exit 0
  error     exit 1 and the first error line is located: `NAME.fc:LINE:COL: error: ...`
  unlocated exit 1 but the error names no location (a finding: every error must)
  crash     killed by a signal (SIGSEGV, SIGILL from a trap, SIGABRT...), or any other exit
  hang      did not finish within the timeout

Findings are saved to --out (default fuzz-out/) as the script plus any CSV it reads.
The summary line is what scripts/bench prints: inputs tried, crashes, hangs, unlocated.
"""
import argparse
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCATED = re.compile(r"^[^\s:][^:]*\.fc:\d+:\d+: error: ", re.M)

ALGORITHMS = ["naive", "snaive", "mean", "drift"]
BUILTINS = ["load", "describe", "split", "ids", "take", "models", "grid", "run", "predict",
            "evaluate", "summary", "best", "show", "write"]
LABELS = ["horizon", "level", "season", "n", "last", "ids", "by", "workers", "seed", "keep",
          "executor", "freq", "on_error", "id", "ds", "y", "name", "to", "metric", "limit"]
NUMBERS = ["0", "1", "2", "-1", "12", "0.5", "1e300", "1e309", "-1e309", "1e15", "9007199254740993",
           "100000", "100001", "1e9", "4", "80", "95", "3.5", "-0", "255", "65536", "2147483648"]
STRINGS = ['"x"', '""', '"skip"', '"stop"', '"monthly"', '"threads"', '"inline"', '"\\u{1B}[2J"',
           '"a\\nb"', '"out.csv"', '"out.txt"', '"/dev/null"', '"/dev/zero"', '"sub/../x.csv"',
           '"mae"', '"{id}.png"', '"' + "y" * 300 + '"', '"\\u{0}"', '"data.csv"']


class Gen:
    """Grammar-aware random scripts: statements over the language's expressions, bound to
    names that later statements use, with the loaded data set `d` in scope."""

    def __init__(self, rng):
        self.r = rng
        self.names = ["d", "t"]

    def number(self):
        return self.r.choice(NUMBERS) if self.r.random() < 0.7 else repr(self.r.uniform(-1e6, 1e6))

    def expr(self, depth=0):
        r = self.r
        if depth > 5:
            return r.choice([self.number(), r.choice(STRINGS), r.choice(self.names), "true", "none"])
        k = r.random()
        if k < 0.12:
            return self.number()
        if k < 0.18:
            return r.choice(STRINGS)
        if k < 0.30:
            return r.choice(self.names + ["true", "false", "none"])
        if k < 0.42:
            return f"{self.expr(depth + 1)} {r.choice('+-*/')} {self.expr(depth + 1)}"
        if k < 0.50:
            return "[" + ", ".join(self.expr(depth + 1) for _ in range(r.randrange(0, 4))) + "]"
        if k < 0.54:
            return "{" + ", ".join(f"{r.choice(LABELS)}: {self.expr(depth + 1)}" for _ in range(r.randrange(0, 3))) + "}"
        if k < 0.62:
            return f"{self.expr(depth + 1)}[{self.expr(depth + 1)}]"
        if k < 0.66:
            return f"{self.expr(depth + 1)}.{r.choice(LABELS + ['mean', 'x'])}"
        if k < 0.72:
            return f"-{self.expr(depth + 1)}"
        if k < 0.80:
            return f"{self.expr(depth + 1)} |> {self.call(depth + 1)}"
        return self.call(depth)

    def call(self, depth):
        r = self.r
        f = r.choice(ALGORITHMS + BUILTINS + ["nosuch"])
        args = []
        if f in BUILTINS and r.random() < 0.8:
            args.append(self.expr(depth + 1))
        if f == "run":
            args = [r.choice(["naive()", "[naive(), mean()]", "[]", "grid(snaive(), drift(), season: 4)", self.expr(depth + 1)]),
                    r.choice(["t", "d", self.expr(depth + 1)])]
            args.append(f"horizon: {r.choice(['2', '4', '1e9', '100001', '0', '-1', '1e300', self.number()])}")
            if r.random() < 0.5:
                args.append(f"level: {r.choice(['[80, 95]', '[50]', '[0.8]', '[100]', '[]', self.expr(depth + 1)])}")
        for _ in range(r.randrange(0, 3)):
            args.append(f"{r.choice(LABELS)}: {self.expr(depth + 1)}")
        return f"{f}({', '.join(args)})"

    def statement(self):
        r = self.r
        k = r.random()
        if k < 0.03:   # deep nesting
            n = r.choice([100, 255, 256, 257, 1100, 5000])
            o, c = r.choice([("(", ")"), ("[", "]"), ("-", ""), ("grid(", ")"), ("{a: ", "}")])
            return "x = " + o * n + "1" + c * n
        if k < 0.06:   # long chains
            n = r.choice([1000, 5000, 9999, 10001, 30000])
            op = r.choice([" + 1", " * 1", " |> grid", "[0]", ".x"])
            return "x = " + ("naive()" if "grid" in op else "[1]" if op in ("[0]", ".x") else "1") + op * n
        e = self.expr()
        if r.random() < 0.6:
            name = r.choice(["a", "b", "x", "res", "s"] + self.names)
            if name not in self.names:
                self.names.append(name)
            return f"{name} = {e}"
        return e

    def script(self, data_path):
        prelude = [f'd = load("{data_path}")', "t = take(d, n: 3)"]
        body = [self.statement() for _ in range(self.r.randrange(1, 6))]
        return "\n".join(prelude + body) + "\n"


def mutate_text(rng, text):
    """Byte-level mutations of a seed script or CSV."""
    b = bytearray(text.encode())
    specials = [b"\x00", b"\xff", b"\x1b[31m", b"\r", b"\n", b'"', b",", b"(", b"[", b"|>", b"inf",
                b"1e309", b"NaN", b"201f", b"-", b"\xe2\x80\xa8", b"\t", b";", b"#", b"\\"]
    for _ in range(rng.randrange(1, 6)):
        if not b:
            b += rng.choice(specials)
            continue
        i = rng.randrange(len(b))
        k = rng.random()
        if k < 0.25:
            b[i] = rng.randrange(256)
        elif k < 0.45:
            b[i:i] = rng.choice(specials)
        elif k < 0.60:
            del b[i:i + rng.randrange(1, 8)]
        elif k < 0.75:
            j = rng.randrange(len(b))
            lo, hi = min(i, j), max(i, j)
            b[hi:hi] = b[lo:hi][:200]
        elif k < 0.85:   # duplicate a line
            start = b.rfind(b"\n", 0, i) + 1
            end = b.find(b"\n", i)
            end = len(b) if end < 0 else end + 1
            b[end:end] = b[start:end]
        else:            # a number field becomes an extreme one
            m = re.search(rb"\d+(\.\d+)?", bytes(b[i:]))
            if m:
                s, e = i + m.start(), i + m.end()
                b[s:e] = rng.choice([b"1e309", b"-inf", b"9" * 400, b"nan", b"0x10", b"1e-400", b""])
    return bytes(b)


def csv_seed(rng):
    name = rng.choice(["us_employment.csv", "visnights.csv"])
    with open(os.path.join(ROOT, "examples", "data", name), "rb") as f:
        lines = f.read().split(b"\n")
    start = rng.randrange(1, max(2, len(lines) - 60))
    return b"\n".join([lines[0]] + lines[start:start + rng.randrange(5, 60)]) + b"\n"


def limit_memory():
    # 2 GB of address space: a run-away allocation fails instead of taking the machine.
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    os.setsid()


def run_one(binary, work, script_bytes, env, timeout):
    path = os.path.join(work, "input.fc")
    with open(path, "wb") as f:
        f.write(script_bytes)
    try:
        p = subprocess.run([binary, "run", "input.fc"], cwd=work, env=env, capture_output=True,
                           timeout=timeout, preexec_fn=limit_memory)
    except subprocess.TimeoutExpired:
        return "hang", ""
    err = p.stderr.decode(errors="replace")
    if p.returncode == 0:
        return "ok", err
    if p.returncode == 1:
        return ("error" if LOCATED.search(err) else "unlocated"), err
    if p.returncode < 0:
        return f"crash:{signal.Signals(-p.returncode).name}", err
    return f"crash:exit{p.returncode}", err


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=1.0, help="time budget (default 1)")
    ap.add_argument("--count", type=int, default=0, help="stop after this many inputs (per mode)")
    ap.add_argument("--mode", choices=["all", "lang", "csv"], default="all")
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per input before it counts as a hang")
    ap.add_argument("--out", default=os.path.join(ROOT, "fuzz-out"))
    ap.add_argument("--binary", default=os.environ.get("FCAST_BIN", os.path.join(ROOT, ".build", "debug", "fcast")))
    args = ap.parse_args()

    args.binary = os.path.abspath(args.binary)
    rng = random.Random(args.seed)
    plugin_dir = os.path.dirname(args.binary)
    env = dict(os.environ, FCAST_PLUGIN_PATH=plugin_dir, FCAST_HISTORY="/dev/null", NO_COLOR="1")
    env.pop("FCAST_MAX_MEMORY", None)
    seeds = []
    for folder in [os.path.join(ROOT, "examples"), os.path.join(ROOT, "Tests", "GoldenTests", "scripts")]:
        for dirpath, _, files in os.walk(folder):
            seeds += [os.path.join(dirpath, f) for f in files if f.endswith(".fc")]
    seed_texts = []
    for s in seeds:
        with open(s, encoding="utf-8", errors="replace") as f:
            seed_texts.append(f.read())

    os.makedirs(args.out, exist_ok=True)
    modes = ["lang", "csv"] if args.mode == "all" else [args.mode]
    counts = {"tried": 0, "ok": 0, "error": 0, "unlocated": 0, "crash": 0, "hang": 0}
    per_mode = {m: 0 for m in modes}
    deadline = time.time() + args.minutes * 60
    findings = []
    work = tempfile.mkdtemp(prefix="fcast-fuzz-")
    try:
        i = 0
        while time.time() < deadline:
            mode = modes[i % len(modes)]
            i += 1
            if args.count and all(per_mode[m] >= args.count for m in modes):
                break
            if args.count and per_mode[mode] >= args.count:
                continue
            per_mode[mode] += 1
            data = os.path.join(work, "data.csv")
            if mode == "csv":
                csv = mutate_text(rng, csv_seed(rng).decode()) if rng.random() < 0.9 else csv_seed(rng)
                skip = rng.random() < 0.4
                on_error = ', on_error: "skip"' if skip else ""
                script = (f'd = load("data.csv"{on_error})\n'
                          "describe(d)\nd\nr = run([naive(), snaive(), drift()], d, horizon: 3, level: [80, 95])\n"
                          'write(r, "out.csv")\n').encode()
            else:
                csv = csv_seed(rng)
                g = Gen(rng)
                if rng.random() < 0.7 or not seed_texts:
                    script = g.script("data.csv").encode()
                else:
                    text = rng.choice(seed_texts)
                    text = re.sub(r'load\("[^"]*"', 'load("data.csv"', text)
                    text = re.sub(r'(plot|serve|save|open)\(', 'nosuch(', text)
                    script = mutate_text(rng, text)
            with open(data, "wb") as f:
                f.write(csv)
            outcome, err = run_one(args.binary, work, script, env, args.timeout)
            counts["tried"] += 1
            kind = outcome.split(":")[0]
            counts[kind] += 1
            if kind in ("crash", "hang", "unlocated"):
                n = len(findings)
                base = os.path.join(args.out, f"{mode}-{args.seed}-{counts['tried']}-{outcome.replace(':', '-')}")
                with open(base + ".fc", "wb") as f:
                    f.write(script)
                shutil.copy(data, base + ".csv")
                with open(base + ".stderr", "w") as f:
                    f.write(err)
                findings.append((outcome, base))
                print(f"finding {n + 1}: {outcome}: {base}.fc", file=sys.stderr)
            for name in os.listdir(work):
                if name not in ("data.csv",):
                    p = os.path.join(work, name)
                    if os.path.isdir(p):
                        shutil.rmtree(p, ignore_errors=True)
                    else:
                        os.unlink(p)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"fuzz (seed {args.seed}, modes {'+'.join(modes)}): {counts['tried']} inputs tried "
          f"({', '.join(f'{m} {per_mode[m]}' for m in modes)}): {counts['crash']} crashes, {counts['hang']} hangs, "
          f"{counts['unlocated']} errors without a location; {counts['ok']} ran, {counts['error']} located errors")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
