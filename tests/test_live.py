"""`status` over the wire: against the test peer serving a dump it must print the
same JSON as on the dump itself, send only read commands, and send a bounded
number of them. Against a real cluster (SHARDSCOPE_TEST_URI) the checks that make
sense there run too."""
import collections
import json

import pytest

from conftest import SMALL_SHAPES

# Every command a read-only status may send (compared case-insensitively for the
# handshake's isMaster/ismaster spelling).
ALLOWED = {"find", "getMore", "killCursors", "aggregate", "hello", "isMaster", "ismaster",
           "buildInfo", "balancerStatus", "getDefaultRWConcern", "ping", "endSessions",
           "saslStart", "saslContinue"}
HANDSHAKE = {"hello", "isMaster", "ismaster"}
WRITE_STAGES = {"$out", "$merge"}
CONTRACT_KEYS = {"clusterId", "source", "shards", "databases", "collections", "balancer",
                 "mongos", "changelog", "warnings"}


# What only a live server can say: a dump reads these as null, live they must be
# what the peer answers (checked in check_live_only).
LIVE_ONLY = {"serverVersion": ("serverVersion",), "defaultRWConcern": ("defaultRWConcern",),
             "running": ("balancer", "running")}


def without_source(doc):
    """The document minus `source` and minus the live-only fields."""
    doc = json.loads(json.dumps(doc))
    doc.pop("source", None)
    for path in LIVE_ONLY.values():
        parent = doc
        for p in path[:-1]:
            parent = parent.get(p, {})
        parent.pop(path[-1], None)
    return doc


def check_live_only(from_dump, live, peer_version="7.0.14"):
    """Live-only fields: null from a dump; from the peer, what the peer answered."""
    assert from_dump.get("serverVersion") is None
    assert from_dump["balancer"].get("running") is None
    assert live["balancer"]["running"] is False          # balancerStatus.inBalancerRound
    if "serverVersion" in live:
        assert live["serverVersion"] == peer_version     # buildInfo
    if "defaultRWConcern" in live and live["defaultRWConcern"] is not None:
        assert live["defaultRWConcern"]["defaultReadConcern"] == {"level": "local"}


def diff_paths(a, b, path="$"):
    """Where two JSON values differ (for a readable assertion message)."""
    if type(a) is not type(b):
        return [f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'dump' if k in a else 'live'}")
            else:
                out += diff_paths(a[k], b[k], f"{path}.{k}")
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)} items"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff_paths(x, y, f"{path}[{i}]")
        return out
    return [] if a == b else [f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"]


def check_allowed(commands):
    assert commands, "the peer logged no commands: status never reached it"
    bad = [c for c in commands if c["command"] not in ALLOWED]
    assert not bad, f"commands outside the allow-list: {bad}"
    for c in commands:
        if c["command"] == "aggregate":
            stages = set(c.get("pipeline_stages") or [])
            assert not (stages & WRITE_STAGES), f"writing aggregation stage: {c}"


@pytest.mark.parametrize("shape", SMALL_SHAPES)
def test_live_equals_dump(shape, dumps, shardscope, peer_factory):
    dump = dumps.small(shape)
    from_dump, _ = shardscope.status_json(dump)
    peer = peer_factory(dump)
    live, proc = shardscope.status_json(peer.uri)
    assert live["source"]["kind"] == "live"
    differences = diff_paths(without_source(from_dump), without_source(live))
    assert not differences, "live JSON differs from dump JSON:\n" + "\n".join(differences[:40])
    check_live_only(from_dump, live)
    check_allowed(peer.commands())


def non_handshake(commands):
    return [c for c in commands if c["command"] not in HANDSHAKE]


def test_command_count_bounded(dumps, shardscope, peer_factory):
    small, large = dumps.small("7.0"), dumps.large()
    counts = {}
    for name, dump in (("small", small), ("large", large)):
        peer = peer_factory(dump)
        got, _ = shardscope.status_json(peer.uri)
        assert sum(c["chunks"] for c in got["collections"]) > 0
        cmds = peer.commands()
        check_allowed(cmds)
        counts[name] = cmds
    total_chunks = {}
    for name, dump in (("small", small), ("large", large)):
        from dumpcount import Expected
        total_chunks[name] = len(Expected(dump).chunks)
    assert total_chunks["large"] >= 10 * total_chunks["small"], "the large dump is not much larger"
    s, l = non_handshake(counts["small"]), non_handshake(counts["large"])
    summary = lambda cmds: collections.Counter((c["command"], c.get("collection")) for c in cmds)  # noqa: E731
    assert len(s) == len(l), (f"{len(s)} commands for {total_chunks['small']} chunks but {len(l)} for "
                              f"{total_chunks['large']}: {summary(s)} vs {summary(l)}")
    on_chunks = [c for c in l if c.get("collection") == "chunks"]
    assert all(c["command"] == "aggregate" for c in on_chunks), \
        f"chunks must be counted server-side ($group), not downloaded: {on_chunks}"
    # handshakes/monitoring: a few, not one per document
    assert len(counts["large"]) - len(l) < 20


def test_live_target(live_target, shardscope):
    kind, uri, peer, dump = live_target
    got, proc = shardscope.status_json(uri)
    assert CONTRACT_KEYS <= set(got)
    assert got["source"]["kind"] == "live"
    assert isinstance(got["shards"], list) and got["shards"], "a sharded cluster has shards"
    for s in got["shards"]:
        assert {"id", "host", "state", "draining", "zones"} <= set(s)
    for c in got["collections"]:
        assert {"ns", "key", "unique", "chunks", "chunksByShard", "jumbo", "zones"} <= set(c)
        assert c["chunks"] == sum(c["chunksByShard"].values())
    assert {"enabled", "mode", "running", "activeWindow", "chunkSizeMB"} <= set(got["balancer"])
    text = shardscope("status", uri)
    assert text.returncode == 0, text.stderr
    for s in got["shards"]:
        assert s["id"] in text.stdout
    if peer is not None:
        check_allowed(peer.commands())


def test_slow_peer_within_timeout(dumps, shardscope, peer_factory):
    """--delay makes every reply slow; status still completes and matches."""
    dump = dumps.small("7.0")
    peer = peer_factory(dump, "--delay", "0.05")
    from_dump, _ = shardscope.status_json(dump)
    live, _ = shardscope.status_json(peer.uri)
    differences = diff_paths(without_source(from_dump), without_source(live))
    assert not differences, "live JSON differs from dump JSON:\n" + "\n".join(differences[:40])
    check_live_only(from_dump, live)
    assert sum(1 for c in peer.commands() if c["command"] not in HANDSHAKE) >= 5
