#!/usr/bin/env python3
"""make bench: shardscope's performance targets (issue 4) measured side by side in one run.

    python3 scripts/bench.py BINARY [--chunks 1000000] [--runs 5] [--live-chunks 2000 50000]
                                    [--frames 200] [--work DIR] [--no-gzip]

It generates what it needs with the project's own generator (`shardscope demo-dump`, seed 1), builds the
native floor itself (scripts/bench/native_scan.c: libbson streaming through a 1 MiB buffer, counting chunks per
(collection, shard)), runs every comparison once to warm up and then --runs times, and prints ONE markdown table:
medians, ratios against the native scan and the pymongo streaming script, peak RSS, the TUI's first frame, render
times per pane at 132x43, the chunk map of the largest collection, bytes a refresh that changes nothing sends to the
terminal, live round trips and bytes at two cluster sizes (test peer, scripts/testpeer.py --stats), and
`--version`. The machine (cores, memory, CPU) is stated first.
"""
import argparse
import json
import os
import pathlib
import platform
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import fcntl
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
NATIVE_C = ROOT / "scripts" / "bench" / "native_scan.c"
PEER = ROOT / "scripts" / "testpeer.py"

PYMONGO = r"""
import sys, gzip, bson, collections
path = sys.argv[1]
opener = gzip.open if path.endswith('.gz') else open
counts = collections.Counter()
with opener(path, 'rb') as f:
    for doc in bson.decode_file_iter(f):
        counts[(str(doc.get('uuid', doc.get('ns'))), doc['shard'])] += 1
print(sum(counts.values()))
"""


def fail(msg):
    sys.exit(f"bench: {msg}")


def run(cmd, env=None):
    """Runs one child to completion: its wall time (s) and stdout. Exits the benchmark if it fails."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = proc.communicate()
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        fail(f"{' '.join(map(str, cmd))} failed: {err.decode(errors='replace')[-500:]}")
    return elapsed, out


def timed(cmd, env=None):
    """Wall time and peak RSS of one child, reaped with os.wait4 so the rusage is its own."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        fail(f"{' '.join(map(str, cmd))} failed: {err.decode(errors='replace')[-500:]}")
    return elapsed, usage.ru_maxrss / 1024


def repeat(fn, runs):
    fn()  # warm-up (page cache, dynamic loader)
    results = [fn() for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def machine():
    mem = cpu = ""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu or platform.machine()}), {mem or '? GiB'} memory, {platform.system()} {platform.release()}"


def build_native(work):
    exe = work / "native_scan"
    try:
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libbson-1.0"], check=True,
                               capture_output=True, text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        fail("pkg-config cannot find libbson-1.0 (install libbson-dev: scripts/install-deps.sh build)")
    cc = next((c for c in (os.environ.get("CC"), "cc", "clang", "gcc") if c and shutil.which(c)), None)
    if cc is None:
        fail("no C compiler (cc, clang or gcc) to build the native scan")
    cmd = [cc, "-O2", "-o", str(exe), str(NATIVE_C)] + flags + ["-lz"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"cannot build the native scan: {' '.join(cmd)}\n{r.stderr}")
    return exe


def dump(binary, work, chunks, gz=False):
    """A demo dump (seed 1) of `chunks` chunks, generated once per work directory."""
    out = work / f"demo-{chunks}{'-gz' if gz else ''}"
    marker = out / ".complete"
    if not marker.exists():
        shutil.rmtree(out, ignore_errors=True)
        run([binary, "demo-dump", str(out), "--chunks", str(chunks)] + (["--gzip"] if gz else []))
        marker.touch()
    return out


def chunks_file(d):
    for name in ("chunks.bson", "chunks.bson.gz"):
        p = d / "config" / name
        if p.exists():
            return p
    fail(f"no chunks file in {d}")


# -- the TUI under a pseudo-terminal

def spawn_tui(binary, d, env_extra, cols=132, rows=43):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8", **env_extra)
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([binary, "ui", str(d)], stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True)
    os.close(slave)
    return proc, master


def read_for(master, seconds):
    """Bytes the terminal received within `seconds`."""
    data = b""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        r, _, _ = select.select([master], [], [], left)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data


def first_frame(binary, d):
    """Seconds from start until the TUI has drawn its first frame with the loaded snapshot (it quits right after)."""
    t = time.perf_counter()
    proc, master = spawn_tui(binary, d, {"SHARDSCOPE_BENCH_FIRST_FRAME": "1"})
    usage = None
    try:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            read_for(master, 0.005)
            if time.perf_counter() - t > 120:
                proc.kill()
                fail("the TUI did not draw its first frame within 120 s")
    finally:
        os.close(master)
    elapsed = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        fail(f"TUI exited with {proc.returncode}")
    return elapsed, usage.ru_maxrss / 1024


def quiet_refresh_bytes(binary, d):
    """Bytes sent to the terminal by a refresh (r) that changes nothing, once the screen has settled."""
    proc, master = spawn_tui(binary, d, {})
    try:
        start = time.monotonic()
        got = b""
        while True:   # settled: the first frame is drawn and nothing more for 1.5 s
            more = read_for(master, 1.5)
            got += more
            if got and not more:
                break
            if time.monotonic() - start > 120:
                fail("the TUI did not settle within 120 s")
        os.write(master, b"r")
        after = read_for(master, 2.0)
        os.write(master, b"q")
        read_for(master, 0.5)
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=10)
        os.close(master)
    return len(after)


# -- live refresh against the test peer

def live_refresh(binary, d, work):
    stats = work / f"peer-stats-{d.name}.json"
    port_file = work / f"peer-port-{d.name}"
    for p in (stats, port_file):
        p.unlink(missing_ok=True)
    peer = subprocess.Popen([sys.executable, str(PEER), "--dump", str(d), "--port-file", str(port_file), "--stats", str(stats)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not port_file.exists():
            if peer.poll() is not None:
                fail(f"test peer failed: {peer.stderr.read().decode(errors='replace')[-500:]}")
            if time.monotonic() > deadline:
                fail("test peer did not start within 120 s")
            time.sleep(0.1)
        port = int(port_file.read_text())
        # Handshakes of the connection setup are counted apart from the refresh's own reads.
        run([binary, "status", f"mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=10000", "--json"])
        time.sleep(0.2)
        counts = json.loads(stats.read_text())
    finally:
        peer.send_signal(signal.SIGTERM)
        try:
            peer.wait(timeout=10)
        except subprocess.TimeoutExpired:
            peer.kill()
    handshake = {"hello", "isMaster", "ismaster"}   # connection handshake and server monitoring
    reads = {k: v for k, v in counts.items() if k.split()[0] not in handshake}
    return {
        "round_trips": sum(v["requests"] for v in reads.values()),
        "bytes": sum(v["bytes_in"] + v["bytes_out"] for v in reads.values()),
        "all_round_trips": sum(v["requests"] for v in counts.values()),
        "all_bytes": sum(v["bytes_in"] + v["bytes_out"] for v in counts.values()),
        "chunks_bytes": sum(v["bytes_in"] + v["bytes_out"] for k, v in counts.items() if k.endswith(" chunks")),
        "commands": counts,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--chunks", type=int, default=1_000_000, help="chunks of the large dump (default 1,000,000)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per figure after one warm-up (default 5)")
    ap.add_argument("--live-chunks", type=int, nargs=2, default=[2_000, 50_000], metavar=("SMALL", "LARGE"))
    ap.add_argument("--frames", type=int, default=200, help="frames rendered per pane (default 200)")
    ap.add_argument("--work", help="keep generated dumps here between runs (default: a temporary directory)")
    ap.add_argument("--no-gzip", action="store_true", help="skip the .bson.gz comparison")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        fail(f"{binary} is not an executable (build it: make release)")

    tmp = None
    if args.work:
        work = pathlib.Path(args.work).resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="shardscope-bench-")
        work = pathlib.Path(tmp.name)
    R = args.runs
    rows = []   # (measure, value, rss, vs native, vs pymongo, target, verdict)

    def verdict(ok):
        return "met" if ok else "**missed**"

    print(f"machine: {machine()}", flush=True)
    native = build_native(work)
    n = args.chunks
    label = f"{n:,}"
    variants = [(False, "")] + ([] if args.no_gzip else [(True, " (.gz)")])
    load_median = None
    for gz, suffix in variants:
        t0 = time.perf_counter()
        d = dump(binary, work, n, gz)
        f = chunks_file(d)
        print(f"dump: {f} ({f.stat().st_size / 1e6:.0f} MB; ready in {time.perf_counter() - t0:.1f} s)", flush=True)
        nat = repeat(lambda: timed([str(native), str(f)]), R)
        ss = repeat(lambda: timed([binary, "status", str(d), "--json"]), R)
        py = repeat(lambda: timed([sys.executable, "-c", PYMONGO, str(f)]), R)
        if not gz:
            load_median = ss[0]
        rows.append((f"native libbson scan, 1 MiB buffer, {label} chunks{suffix}", f"{nat[0]:.3f} s", f"{nat[1]:.0f} MiB",
                     "1.00x", f"{nat[0] / py[0]:.3f}x", "floor", ""))
        ok = ss[0] <= 2 * nat[0] and py[0] >= 20 * ss[0] and ss[1] < 64
        rows.append((f"`shardscope status DUMP --json`, {label} chunks{suffix}", f"{ss[0]:.3f} s", f"{ss[1]:.0f} MiB",
                     f"{ss[0] / nat[0]:.2f}x", f"{ss[0] / py[0]:.3f}x (1/{py[0] / ss[0]:.0f})",
                     "≤ 2x native, ≥ 20x faster than pymongo, < 64 MiB", verdict(ok) if not gz else ("met" if ok else "(no target for .gz)")))
        rows.append((f"pymongo `decode_file_iter` streaming, {label} chunks{suffix}", f"{py[0]:.2f} s", f"{py[1]:.0f} MiB",
                     f"{py[0] / nat[0]:.1f}x", "1.00x", "", ""))
        print(f"  native {nat[0]:.3f} s, shardscope {ss[0]:.3f} s, pymongo {py[0]:.2f} s", flush=True)

    d = dump(binary, work, n)
    ff = repeat(lambda: first_frame(binary, d), R)
    rows.append((f"TUI first frame (132x43 pty), {label} chunks", f"{ff[0]:.3f} s", f"{ff[1]:.0f} MiB",
                 f"{ff[0] / load_median:.2f}x of status", "", "< 2x offline load", verdict(ff[0] < 2 * load_median)))
    print(f"  first frame {ff[0]:.3f} s", flush=True)

    _, out = run([binary, "bench-render", str(d), "--frames", str(args.frames)])
    render = json.loads(out)
    worst = max(render["panes"], key=lambda p: p["medianMs"])
    for p in render["panes"]:
        rows.append((f"render {p['pane']} into the grid, 132x43 (median of {args.frames})", f"{p['medianMs']:.3f} ms", "",
                     "", "", "< 2 ms", verdict(p["medianMs"] < 2)))
    # "No visible pause": under 200 ms to open, under 100 ms for any step. "Memory bounded": the process stays
    # under 128 MiB after paging through the whole collection.
    rows.append((f"chunk map of the largest collection ({render['largestChunks']:,} chunks): open (first page)",
                 f"{render['chunkMapOpenMs']:.0f} ms", "", "", "", "no visible pause (< 200 ms)", verdict(render["chunkMapOpenMs"] < 200)))
    rows.append((f"  … scroll to its end, page by page ({render['scrollSteps']:,} PgDn, {render['pageLoads']} page loads): "
                 f"median / worst step", f"{render['scrollMedianMs']:.2f} / {render['scrollMaxMs']:.0f} ms",
                 f"{render['peakRSSMiB']:.0f} MiB", "", "", "no visible pause (< 100 ms a step); memory bounded (< 128 MiB)",
                 ("pause met" if render["scrollMaxMs"] < 100 else "pause **missed**") + "; " +
                 ("memory met" if render["peakRSSMiB"] < 128 else "memory **missed**")))

    quiet = quiet_refresh_bytes(binary, d)
    rows.append(("bytes sent to the terminal by a refresh that changes nothing (dump, `r`)", f"{quiet} B", "", "", "", "0", verdict(quiet == 0)))

    live = {}
    for c in args.live_chunks:
        live[c] = live_refresh(binary, dump(binary, work, c), work)
    small, large = args.live_chunks
    ls, ll = live[small], live[large]
    rt_ok = ll["round_trips"] == ls["round_trips"]
    by_ratio = ll["bytes"] / ls["bytes"]
    rows.append((f"live refresh vs test peer, {small:,} chunks: round trips / bytes", f"{ls['round_trips']} / {ls['bytes']:,} B", "", "", "", "", ""))
    rows.append((f"live refresh vs test peer, {large:,} chunks: round trips / bytes", f"{ll['round_trips']} / {ll['bytes']:,} B", "",
                 "", "", "same round trips, bytes within 1.2x", verdict(rt_ok and by_ratio <= 1.2)))
    rows.append(("  … ratio large / small", f"{ll['round_trips'] / ls['round_trips']:.2f}x / {by_ratio:.3f}x", "", "", "", "", ""))

    ver = repeat(lambda: timed([binary, "--version"]), max(R, 10))
    rows.append(("`shardscope --version`", f"{ver[0] * 1000:.1f} ms", f"{ver[1]:.0f} MiB", "", "", "< 50 ms", verdict(ver[0] < 0.05)))

    print()
    print(f"Machine: {machine()}. Medians of {R} runs after a warm-up; ratios are this run's medians.")
    print()
    print("| measure | median | peak RSS | vs native | vs pymongo | target | |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()
    print("Live refresh commands (requests/bytes in+out); hello/isMaster (handshake, monitoring) are left out of the totals above:")
    for c in args.live_chunks:
        parts = ", ".join(f"{k} {v['requests']}/{v['bytes_in'] + v['bytes_out']:,} B" for k, v in sorted(live[c]["commands"].items()))
        print(f"  {c:,} chunks: {parts}")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
