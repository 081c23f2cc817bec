#!/usr/bin/env python3
"""make bench: loads measured side by side in one run.

Generates demo dumps with `shardscope demo-dump` (plain and gzip) at the sizes given, then times, for each:
  - shardscope status DIR --json                 (the product: libbson reader + streaming tally)
  - a pymongo bson.decode_file_iter count        (an independent baseline doing the least possible work)
and reports the median wall time of N runs, peak RSS, and the ratio shardscope / baseline.
"""
import argparse
import gzip
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

BASELINE = r"""
import sys, gzip, bson, collections
path = sys.argv[1]
opener = gzip.open if path.endswith('.gz') else open
counts = collections.Counter()
with opener(path, 'rb') as f:
    for doc in bson.decode_file_iter(f):
        counts[(str(doc.get('uuid', doc.get('ns'))), doc['shard'])] += 1
print(sum(counts.values()))
"""


def run(cmd):
    """Wall time and peak RSS (MiB) of one child process, from its own rusage (os.wait4)."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed: {err.decode()[-500:]}")
    return elapsed, usage.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--chunks", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    print(f"{'dump':<22}{'tool':<26}{'median s':>10}{'peak MiB':>10}{'ratio':>8}")
    with tempfile.TemporaryDirectory(prefix="shardscope-bench-") as tmp:
        for n in args.chunks:
            for gz in (False, True):
                out = pathlib.Path(tmp) / f"{n}{'-gz' if gz else ''}"
                cmd = [binary, "demo-dump", str(out), "--chunks", str(n)] + (["--gzip"] if gz else [])
                generated, _ = run(cmd)
                chunks = out / "config" / ("chunks.bson.gz" if gz else "chunks.bson")
                size = chunks.stat().st_size / 1e6
                label = f"{n:,} chunks{' gz' if gz else ''}"
                results = {}
                for tool, argv in (("shardscope status --json", [binary, "status", str(out), "--json"]),
                                   ("pymongo bson baseline", [sys.executable, "-c", BASELINE, str(chunks)])):
                    times, peaks = [], []
                    for _ in range(args.runs):
                        t, peak = run(argv)
                        times.append(t); peaks.append(peak)
                    results[tool] = (statistics.median(times), max(peaks))
                base = results["pymongo bson baseline"][0]
                for tool, (t, peak) in results.items():
                    ratio = t / base if base else float("nan")
                    print(f"{label:<22}{tool:<26}{t:>10.2f}{peak:>10.0f}{ratio:>8.2f}")
                print(f"{'':<22}(chunks file {size:.0f} MB, generated in {generated:.1f} s)")


if __name__ == "__main__":
    main()
