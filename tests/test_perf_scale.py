"""Scale behaviour behind `make bench` (issue 4), checked as behaviour, not as timings:
the test peer counts requests and bytes per command; a live refresh costs the same round trips and about the
same bytes for a small and a large cluster; a refresh that changes nothing writes nothing to the terminal;
the render benchmark pages the largest collection's chunk map to its end, every chunk exactly once."""
import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import termios
import time

from conftest import LARGE_CHUNKS, SMALL_CHUNKS

HANDSHAKE = {"hello", "isMaster", "ismaster"}   # connection handshake and server monitoring


def refresh_cost(shardscope, peer, stats):
    data, _ = shardscope.status_json(peer.uri)
    counts = json.loads(stats.read_text())
    reads = {k: v for k, v in counts.items() if k.split()[0] not in HANDSHAKE}
    return data, counts, reads


def test_peer_counts_requests_and_bytes_per_command(shardscope, dumps, peer_factory, tmp_path):
    stats = tmp_path / "stats.json"
    peer = peer_factory(dumps.small("7.0"), "--stats", stats)
    data, counts, reads = refresh_cost(shardscope, peer, stats)
    # Every logged command that got a reply is counted under "command collection".
    logged = {}
    for c in peer.commands():
        key = c["command"] + (f" {c['collection']}" if c.get("collection") else "")
        logged[key] = logged.get(key, 0) + 1
    assert {k: v["requests"] for k, v in counts.items()} == {k: n for k, n in logged.items() if k in counts}
    assert "aggregate chunks" in reads and reads["aggregate chunks"]["requests"] == 1, reads
    for k, v in counts.items():
        assert v["bytes_in"] > 0 and v["bytes_out"] > 0, (k, v)
    # The chunk distribution is one $group: its reply is small next to the chunks it counts.
    assert reads["aggregate chunks"]["bytes_out"] < 200 * sum(c["chunks"] for c in data["collections"]), reads


def test_live_refresh_cost_is_flat_in_chunk_count(shardscope, dumps, peer_factory, tmp_path):
    small_stats, large_stats = tmp_path / "small.json", tmp_path / "large.json"
    small = peer_factory(dumps.small("7.0"), "--stats", small_stats)
    large = peer_factory(dumps.large(), "--stats", large_stats)
    d1, _, r1 = refresh_cost(shardscope, small, small_stats)
    d2, _, r2 = refresh_cost(shardscope, large, large_stats)
    n1 = sum(c["chunks"] for c in d1["collections"])
    n2 = sum(c["chunks"] for c in d2["collections"])
    assert (n1, n2) == (SMALL_CHUNKS, LARGE_CHUNKS)
    assert {k: v["requests"] for k, v in r1.items()} == {k: v["requests"] for k, v in r2.items()}
    b1 = sum(v["bytes_in"] + v["bytes_out"] for v in r1.values())
    b2 = sum(v["bytes_in"] + v["bytes_out"] for v in r2.values())
    assert b2 <= 1.2 * b1, (b1, b2, r1, r2)


def read_for(fd, seconds):
    data, end = b"", time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data


def test_refresh_that_changes_nothing_writes_nothing(shardscope, dumps):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 43, 132, 0, 0))
    env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    proc = subprocess.Popen([str(shardscope.binary), "ui", str(dumps.small("7.0"))], stdin=slave, stdout=slave,
                            stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    try:
        first, start = b"", time.monotonic()
        while True:   # settled: drawn, then quiet for 1.5 s
            more = read_for(master, 1.5)
            first += more
            if first and not more:
                break
            assert time.monotonic() - start < 60, "the TUI did not settle"
        assert b"Overview" in first or b"shards" in first.lower(), first[-500:]
        os.write(master, b"r")                      # reload the same dump
        assert read_for(master, 2.0) == b""
        os.write(master, b"2")                      # the UI is alive: another pane is drawn
        assert len(read_for(master, 1.0)) > 0
        os.write(master, b"q")
        read_for(master, 0.5)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)


def test_render_bench_pages_the_largest_chunk_map_to_its_end(shardscope, dumps):
    dump = dumps.large()
    proc = shardscope("bench-render", dump, "--frames", "3", timeout=300)
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    status, _ = shardscope.status_json(dump)
    largest = max(status["collections"], key=lambda c: c["chunks"])
    assert r["largestCollection"] == largest["ns"]
    assert r["largestChunks"] == largest["chunks"]
    assert r["chunkMapRows"] == largest["chunks"]          # every chunk paged in, once
    assert r["pageLoads"] >= largest["chunks"] // 256        # paged (AppState.chunkPageSize), not read whole
    assert {p["pane"] for p in r["panes"]} >= {"Overview", "Shards", "Collections", "Chunk map", "Changelog"}
    assert (r["width"], r["height"]) == (132, 43)


def test_version(shardscope):
    proc = shardscope("--version")
    assert proc.returncode == 0 and proc.stdout.strip(), proc
