"""`shardscope snapshot`: a live cluster (the test peer serving a demo dump) captured into a
mongodump-style directory. Checked with pymongo's own bson module against the dump the peer
serves: every document decodes, the bytes are the server's, counts match; `status --json` on
the snapshot equals `status --json` live; --gzip; an interrupted or failed snapshot leaves no
directory that looks complete; no password in the files; only read commands reach the server."""
import gzip
import json
import os
import pathlib
import pty
import select
import signal
import subprocess
import time

import bson
import pytest
from bson import json_util

from conftest import SMALL_SHAPES, free_closed_port
from test_live import WRITE_STAGES, diff_paths

COLLECTIONS = ["shards", "databases", "collections", "chunks", "tags", "mongos",
               "settings", "version", "changelog", "actionlog", "migrations"]
# Read commands a snapshot may send: the status allow-list plus listCollections/listIndexes (mongodump's metadata).
ALLOWED = {"find", "getMore", "killCursors", "aggregate", "hello", "isMaster", "ismaster",
           "buildInfo", "balancerStatus", "getDefaultRWConcern", "ping", "endSessions",
           "saslStart", "saslContinue", "listCollections", "listIndexes"}
PASSWORD = "Zq9-sn4pshot-PW-31"


def config_dir(root):
    root = pathlib.Path(root)
    return root / "config" if (root / "config").is_dir() else root


def read_bytes(path):
    path = pathlib.Path(path)
    return gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()


def source_file(dump, coll, ext=".bson"):
    d = config_dir(dump)
    for name in (coll + ext, coll + ext + ".gz"):
        if (d / name).exists():
            return d / name
    return None


def decode_all(data):
    """Every document of a .bson stream, decoded by pymongo (raises on any bad byte)."""
    return bson.decode_all(data)


def leftovers(out):
    """Temporary or moved-aside siblings of out (DIR.tmp-XXXXXX, DIR.old-PID)."""
    out = pathlib.Path(out)
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(out.name + "."))


def no_trace(proc):
    assert "Traceback" not in proc.stderr and "Fatal error" not in proc.stderr, proc.stderr


def snapshot(shardscope, source, out, *extra, env=None):
    args = ["snapshot"] + ([source] if source is not None else []) + ["--out", out, *extra]
    proc = shardscope(*args, env=env, timeout=300)
    no_trace(proc)
    return proc


def without_source(doc):
    doc = json.loads(json.dumps(doc))
    doc.pop("source", None)
    return doc


def check_matches_dump(out, dump, gz=False):
    """Each collection's file holds the dump's documents, byte for byte, and pymongo decodes each one."""
    cfg = out / "config"
    suffix = ".gz" if gz else ""
    total = 0
    for coll in COLLECTIONS:
        written = cfg / f"{coll}.bson{suffix}"
        assert written.exists(), f"{written} missing"
        assert not (cfg / f"{coll}.bson{'' if gz else '.gz'}").exists()
        data = read_bytes(written)
        if gz:
            assert written.read_bytes()[:2] == b"\x1f\x8b", f"{written} is not gzip"
        docs = decode_all(data)
        src = source_file(dump, coll)
        expected = decode_all(read_bytes(src)) if src else []
        assert len(docs) == len(expected), f"{coll}: {len(docs)} documents written, the dump has {len(expected)}"
        if src:
            assert data == read_bytes(src), f"{coll}: bytes differ from the dump the peer serves"
        total += len(docs)

        meta_path = cfg / f"{coll}.metadata.json{suffix}"
        meta = json_util.loads(read_bytes(meta_path).decode())
        assert list(meta)[-2:] == ["collectionName", "type"], meta
        assert meta["collectionName"] == coll and meta["type"] == "collection"
        assert any(ix["name"] == "_id_" and ix["key"] == {"_id": 1} for ix in meta["indexes"]), meta
        src_meta = source_file(dump, coll, ".metadata.json")
        if src_meta:   # uuid and indexes went peer -> listCollections/listIndexes -> file
            want = json_util.loads(read_bytes(src_meta).decode())
            assert meta["uuid"] == want["uuid"] and meta["indexes"] == want["indexes"], (meta, want)
    return total


@pytest.mark.parametrize("shape", SMALL_SHAPES)
def test_snapshot_from_peer_is_the_dump(shape, dumps, shardscope, peer_factory, tmp_path):
    dump = dumps.small(shape)
    peer = peer_factory(dump)
    out = tmp_path / "snap"
    proc = snapshot(shardscope, peer.uri, out)
    assert proc.returncode == 0, proc.stderr
    total = check_matches_dump(out, dump)
    assert total > 600
    chunks = len(decode_all(read_bytes(out / "config" / "chunks.bson")))
    assert f"{chunks:,} chunks" in proc.stdout, proc.stdout
    assert proc.stderr == "", "no terminal: no progress"
    assert leftovers(out) == []
    side = json.loads((out / "shardscope.json").read_text())
    assert side["shardscopeSnapshot"] == 1
    assert side["serverVersion"] == "7.0.14"
    assert side["source"] == {"kind": "live", "uri": peer.uri}
    assert {c: v["documents"] for c, v in side["collections"].items()} == \
        {c: len(decode_all(read_bytes(out / "config" / f"{c}.bson"))) for c in COLLECTIONS}


@pytest.mark.parametrize("shape", ["5.0", "7.0"])
def test_round_trip_status_json(shape, dumps, shardscope, peer_factory, tmp_path):
    """status --json on the snapshot = status --json live, apart from `source` (the peer's clock is fixed,
    so even asOf agrees; on a real cluster asOf is the capture time)."""
    peer = peer_factory(dumps.small(shape))
    live, _ = shardscope.status_json(peer.uri)
    out = tmp_path / "snap"
    assert snapshot(shardscope, peer.uri, out).returncode == 0
    offline, proc = shardscope.status_json(out)
    assert offline["source"] == {"kind": "dump", "path": str(out / "config")}
    differences = diff_paths(without_source(offline), without_source(live))
    assert not differences, "snapshot JSON differs from live JSON:\n" + "\n".join(differences[:40])
    # what only a live load had before, now read from shardscope.json
    assert offline["serverVersion"] == "7.0.14"
    assert offline["balancer"]["running"] is False
    assert offline["defaultRWConcern"]["defaultReadConcern"] == {"level": "local"}
    # and the plain dump the peer serves does not have it
    plain, _ = shardscope.status_json(dumps.small(shape))
    assert plain["serverVersion"] is None and plain["balancer"]["running"] is None


def test_gzip(dumps, shardscope, peer_factory, tmp_path):
    dump = dumps.small("7.0")
    peer = peer_factory(dump)
    out = tmp_path / "snapgz"
    proc = snapshot(shardscope, peer.uri, out, "--gzip")
    assert proc.returncode == 0, proc.stderr
    check_matches_dump(out, dump, gz=True)
    assert not list((out / "config").glob("*.bson")) and not list((out / "config").glob("*.json"))
    assert (out / "shardscope.json").exists()
    live, _ = shardscope.status_json(peer.uri)
    offline, _ = shardscope.status_json(out)
    assert not diff_paths(without_source(offline), without_source(live))


def test_only_read_commands(dumps, shardscope, peer_factory, tmp_path):
    peer = peer_factory(dumps.small("7.0"))
    assert snapshot(shardscope, peer.uri, tmp_path / "snap").returncode == 0
    cmds = peer.commands()
    assert cmds
    bad = [c for c in cmds if c["command"] not in ALLOWED]
    assert not bad, f"commands outside the allow-list: {bad}"
    for c in cmds:
        if c["command"] == "aggregate":
            assert not set(c.get("pipeline_stages") or []) & WRITE_STAGES, c
    finds = {c["collection"] for c in cmds if c["command"] == "find"}
    assert finds == set(COLLECTIONS), finds
    assert not [c for c in cmds if c["command"] == "find" and c.get("filter")], "a snapshot reads whole collections"


def test_large_snapshot_streams_every_chunk(dumps, shardscope, peer_factory, tmp_path):
    """All chunks of the large dump (many getMore batches), in server order, byte for byte."""
    dump = dumps.large()
    peer = peer_factory(dump)
    out = tmp_path / "snap"
    assert snapshot(shardscope, peer.uri, out).returncode == 0
    assert read_bytes(out / "config" / "chunks.bson") == read_bytes(source_file(dump, "chunks"))
    assert sum(1 for c in peer.commands() if c["command"] == "getMore" and c.get("collection") == "chunks") >= 1


def test_dropped_connection_leaves_nothing(dumps, shardscope, peer_factory, tmp_path):
    """The peer drops the connection midway through config.chunks: exit 2 with one line, no DIR, no temp dir."""
    peer = peer_factory(dumps.large(), "--drop-after-docs", "3000")
    out = tmp_path / "snap"
    proc = snapshot(shardscope, peer.uri, out, "--timeout", "2")
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("shardscope: "), proc.stderr
    assert "config.chunks" in lines[0], lines[0]
    assert proc.stdout == ""
    assert not out.exists(), f"{out} exists after a failed snapshot"
    assert leftovers(out) == [], leftovers(out)
    assert any(c["command"] == "find" and c.get("collection") == "chunks" for c in peer.commands())


@pytest.mark.parametrize("sig,status", [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_interrupted_snapshot_leaves_nothing(sig, status, dumps, shardscope, peer_factory, tmp_path):
    """Ctrl-C / SIGTERM while the snapshot waits on a slow server: the temp dir goes, DIR never appears."""
    peer = peer_factory(dumps.small("7.0"), "--delay", "0.4")
    out = tmp_path / "snap"
    env = dict(os.environ, NO_COLOR="1")
    env.pop("SHARDSCOPE_URI", None)
    proc = subprocess.Popen([str(shardscope.binary), "snapshot", peer.uri, "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 30
        while not leftovers(out):
            assert proc.poll() is None, f"snapshot ended before it was interrupted: {proc.communicate()}"
            assert time.monotonic() < deadline, "no temporary directory appeared"
            time.sleep(0.05)
        time.sleep(1.0)   # some collections written, the next read outstanding
        assert proc.poll() is None
        assert list((out.parent / leftovers(out)[0] / "config").glob("*.bson")), "nothing written yet"
        sent = time.monotonic()
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=10)
        assert time.monotonic() - sent < 3, "the interrupt waited for the server"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == status, (proc.returncode, stderr)
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not out.exists()
    assert leftovers(out) == [], leftovers(out)


def test_password_never_written(dumps, shardscope, peer_factory, tmp_path):
    peer = peer_factory(dumps.small("7.0"), "--auth", f"bob:{PASSWORD}")
    uri = peer.uri_with(f"bob:{PASSWORD}@", "authMechanism=PLAIN&authSource=%24external")
    uri_file = tmp_path / "prod.uri"
    uri_file.write_text(uri + "\n")
    for name, args, env in [("file", ["--uri-file", uri_file], None), ("env", [], {"SHARDSCOPE_URI": uri}),
                            ("arg", [uri], None)]:
        out = tmp_path / f"snap-{name}"
        proc = snapshot(shardscope, None, out, *args, "--gzip", env=env)
        assert proc.returncode == 0, proc.stderr
        assert PASSWORD not in proc.stdout + proc.stderr
        for f in out.rglob("*"):
            if f.is_file():
                data = read_bytes(f)
                assert PASSWORD.encode() not in data, f"password in {f}"
        side = json.loads((out / "shardscope.json").read_text())
        assert side["source"]["uri"].startswith("mongodb://bob:***@"), side["source"]
        status, _ = shardscope.status_json(out)
        assert PASSWORD not in json.dumps(status)


def test_out_must_be_new_or_empty(dumps, shardscope, tmp_path):
    dump = dumps.small("7.0")
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    proc = snapshot(shardscope, dump, out)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "not empty" in lines[0] and "--force" in lines[0], proc.stderr
    assert (out / "keep.txt").read_text() == "mine" and leftovers(out) == []

    proc = snapshot(shardscope, dump, out, "--force")
    assert proc.returncode == 0, proc.stderr
    assert not (out / "keep.txt").exists() and (out / "config" / "chunks.bson").exists()
    assert leftovers(out) == []

    empty = tmp_path / "empty"
    empty.mkdir()
    assert snapshot(shardscope, dump, empty).returncode == 0
    assert (empty / "shardscope.json").exists()

    afile = tmp_path / "afile"
    afile.write_text("x")
    proc = snapshot(shardscope, dump, afile)
    assert proc.returncode == 2 and "not a directory" in proc.stderr


def test_snapshot_of_dump_and_demo(dumps, shardscope, tmp_path):
    """A dump directory or the demo copied into the snapshot layout loads as the original does."""
    dump = dumps.small("8.0")
    out = tmp_path / "from-dump"
    assert snapshot(shardscope, dump, out, "--gzip", "--quiet").returncode == 0
    for coll in COLLECTIONS:
        assert read_bytes(out / "config" / f"{coll}.bson.gz") == read_bytes(source_file(dump, coll))
    a, _ = shardscope.status_json(dump)
    b, _ = shardscope.status_json(out)
    assert not diff_paths(without_source(b), without_source(a))

    demo_out = tmp_path / "from-demo"
    proc = snapshot(shardscope, "demo", demo_out, "--seed", "3")
    assert proc.returncode == 0, proc.stderr
    a, _ = shardscope.status_json("demo", "--seed", "3")
    b, _ = shardscope.status_json(demo_out)
    assert not diff_paths(without_source(b), without_source(a)), "demo snapshot differs from the demo"
    side = json.loads((demo_out / "shardscope.json").read_text())
    assert side["capturedAt"] == {"$date": a["asOf"]}


def test_progress_on_a_terminal_only(dumps, shardscope, tmp_path):
    dump = dumps.small("7.0")
    for quiet in (False, True):
        out = tmp_path / f"snap-{quiet}"
        master, slave = pty.openpty()
        args = [str(shardscope.binary), "snapshot", str(dump), "--out", str(out)] + (["--quiet"] if quiet else [])
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave, text=True)
        os.close(slave)
        seen = b""
        while True:
            r, _, _ = select.select([master], [], [], 30)
            if not r:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        stdout, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0
        text = seen.decode("utf-8", "replace")
        if quiet:
            assert text == "" and stdout == ""
        else:
            assert "config.chunks: 600 documents" in text, text
            assert "config.shards:" in text and "/s" in text, text
            assert "snapshot written to" in stdout


def test_unreachable_server_and_missing_source(shardscope, tmp_path):
    out = tmp_path / "snap"
    port = free_closed_port()
    proc = snapshot(shardscope, f"mongodb://bob:{PASSWORD}@127.0.0.1:{port}/", out, "--timeout", "1")
    assert proc.returncode == 2 and proc.stdout == ""
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith("note: ")]
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0], proc.stderr
    assert PASSWORD not in proc.stderr
    assert not out.exists() and leftovers(out) == []
    # no SOURCE, no --uri-file, no SHARDSCOPE_URI: a usage error, not a capture of the demo
    proc = snapshot(shardscope, None, out)
    assert proc.returncode == 64 and "needs a SOURCE" in proc.stderr, proc.stderr
    assert not out.exists()


def test_snapshot_of_live_target(live_target, shardscope, tmp_path):
    """The peer always; a real cluster too with SHARDSCOPE_TEST_URI. On a real cluster time moves between the
    two loads, so the capture time and what is measured from it (ping ages, window) are left out."""
    kind, uri, peer, dump = live_target
    out = tmp_path / "snap"
    proc = snapshot(shardscope, uri, out, "--timeout", "10")
    assert proc.returncode == 0, proc.stderr
    for coll in COLLECTIONS:
        decode_all(read_bytes(out / "config" / f"{coll}.bson"))     # every document decodes
    live, _ = shardscope.status_json(uri)
    offline, _ = shardscope.status_json(out)
    a, b = without_source(offline), without_source(live)
    if kind == "real":
        for d in (a, b):
            d.pop("asOf", None)
            d["balancer"].pop("insideWindow", None)
            for m in d["mongos"]:
                m.pop("pingAgeSeconds", None)
                m.pop("ping", None)
    differences = diff_paths(a, b)
    assert not differences, "snapshot JSON differs from live JSON:\n" + "\n".join(differences[:40])
