"""`shardscope diff A B` checked against an independent computation from the two dumps.

The dumps are the demo cluster written by `shardscope demo-dump` at two moments of its simulation
(`--advance`) or for two seeds. The expectation is computed here from the .bson files with pymongo's
bson module only: chunks per collection per shard, and chunk ranges that moved, were split or merged,
found from the bounds the two states share (a set computation, no ordering, unlike shardscope's
merge-walk over sorted pages)."""
import collections
import json
import os
import pathlib
import re

import bson
import pytest

from dumpcount import Expected, relaxed

CHUNKS = 600


def demo_dump(shardscope, path, seed, advance=0, shape="7.0", chunks=CHUNKS):
    args = ["demo-dump", path, "--seed", seed, "--shape", shape]
    if chunks:
        args += ["--chunks", chunks]
    if advance:
        args += ["--advance", advance]
    proc = shardscope(*args, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return path


@pytest.fixture(scope="module")
def states(shardscope, tmp_path_factory):
    base = tmp_path_factory.mktemp("diffdumps")
    out = {
        "t0": demo_dump(shardscope, base / "t0", 7),
        "t1": demo_dump(shardscope, base / "t1", 7, advance=900),
        "t2": demo_dump(shardscope, base / "t2", 7, advance=3600),
        "seed8": demo_dump(shardscope, base / "seed8", 8),
        "44-t0": demo_dump(shardscope, base / "44-t0", 7, shape="4.4"),
        "44-t1": demo_dump(shardscope, base / "44-t1", 7, shape="4.4", advance=1200),
    }
    return out


def diff_json(shardscope, a, b, *extra):
    proc = shardscope("diff", a, b, "--json", *extra, timeout=300)
    assert proc.returncode in (0, 1), f"diff exited {proc.returncode}\n{proc.stderr}"
    try:
        return json.loads(proc.stdout), proc
    except json.JSONDecodeError as e:
        raise AssertionError(f"diff --json did not print one JSON document ({e}):\n{proc.stdout[:2000]}")


# ---- the independent computation -------------------------------------------------------------

def key_bytes(doc):
    """A bound as bytes of its values (field names aside, as the server compares shard-key bounds)."""
    return bson.encode({str(i): v for i, v in enumerate(doc.values())})


class State:
    """One dump: collections (ns -> key, uuid) and each collection's chunks as min -> (max, shard)."""

    def __init__(self, path):
        self.exp = Expected(path)
        self.colls = {c["_id"]: c for c in self.exp.collections}
        uuid_to_ns = {bytes(c["uuid"]): c["_id"] for c in self.exp.collections if "timestamp" in c}
        self.chunks = collections.defaultdict(dict)   # ns -> {min bytes: (max bytes, shard, min doc)}
        for ch in self.exp.chunks:
            ns = None
            if ch.get("uuid") is not None:
                ns = uuid_to_ns.get(bytes(ch["uuid"]))
            elif ch.get("ns") in self.colls and "timestamp" not in self.colls[ch["ns"]]:
                ns = ch["ns"]
            if ns is None:
                continue
            self.chunks[ns][key_bytes(ch["min"])] = (key_bytes(ch["max"]), ch["shard"], ch["min"], ch["max"])

    def per_shard(self, ns):
        return {k: v for k, v in self.exp.per_shard.get(ns, {}).items() if v}


def groups(a, b):
    """Ranges between bounds both states share: (start, chunks of A, chunks of B) for every group.
    Bounds are all mins and maxes; a group runs from a shared bound to the next shared bound."""
    bounds_a = set(a) | {v[0] for v in a.values()}
    bounds_b = set(b) | {v[0] for v in b.values()}
    shared = bounds_a & bounds_b

    def chain(side, start):
        out, cur = [], start
        while cur in side:
            nxt = side[cur]
            out.append(nxt)
            cur = nxt[0]
            if cur in shared:
                return out, cur
        return out, None

    for start in sorted(shared & set(a) & set(b)):
        ca, end_a = chain(a, start)
        cb, end_b = chain(b, start)
        assert end_a == end_b, "the two states do not cover the same span"
        yield start, ca, cb


def expected_changes(a, b):
    out = collections.Counter()
    examples = collections.defaultdict(list)
    for _, ca, cb in groups(a, b):
        na, nb = len(ca), len(cb)
        if na == 1 and nb == 1:
            if ca[0][1] == cb[0][1]:
                out["unchanged"] += 1
                continue
            kind = "moved"
        elif na == 1:
            kind = "split"
            out["splitPieces"] += nb
            if {c[1] for c in cb} != {ca[0][1]}:
                out["splitAndMoved"] += 1
        elif nb == 1:
            kind = "merged"
            out["mergedPieces"] += na
            if {c[1] for c in ca} != {cb[0][1]}:
                out["mergedAcrossShards"] += 1
        else:
            kind = "reshaped"
        out[kind] += 1
        examples[kind].append((relaxed(ca[0][2]), relaxed(ca[-1][3]), sorted({c[1] for c in ca}), sorted({c[1] for c in cb}), na, nb))
    return out, examples


# ---- the tests ---------------------------------------------------------------------------------

PAIRS = [("t0", "t1"), ("t1", "t2"), ("t0", "t2"), ("t2", "t0"), ("44-t0", "44-t1")]


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_diff_between_two_moments_matches_an_independent_computation(shardscope, states, pair):
    pa, pb = states[pair[0]], states[pair[1]]
    got, proc = diff_json(shardscope, pa, pb, "--limit", "1000000")
    assert proc.returncode == 1, "the simulation split, merged and moved chunks: the states differ"
    assert got["equal"] is False
    A, B = State(pa), State(pb)

    # Chunks per collection per shard: every collection whose counts differ is listed, with before/after/delta.
    dist = {d["ns"]: d for d in got["distribution"]}
    changed = 0
    for ns in sorted(set(A.colls) | set(B.colls)):
        before, after = A.per_shard(ns), B.per_shard(ns)
        if before == after:
            assert ns not in dist, f"{ns}: unchanged counts reported as a change"
            continue
        changed += 1
        d = dist[ns]
        assert d["chunks"] == {"before": sum(before.values()), "after": sum(after.values()),
                               "delta": sum(after.values()) - sum(before.values())}, ns
        rows = {s["shard"]: s["chunks"] for s in d["shards"]}
        for shard in set(before) | set(after):
            b0, a0 = before.get(shard, 0), after.get(shard, 0)
            assert rows[shard] == {"before": b0, "after": a0, "delta": a0 - b0}, f"{ns} {shard}"
    assert changed > 0, "no collection's counts changed: the comparison would prove little"
    assert len(dist) == changed

    # Moved / split / merged ranges, collection by collection.
    walked = {c["ns"]: c for c in got["chunkChanges"]}
    total = collections.Counter()
    for ns in sorted(set(A.colls) & set(B.colls)):
        exp, examples = expected_changes(A.chunks[ns], B.chunks[ns])
        c = walked[ns]
        for k in ["moved", "split", "merged", "reshaped", "splitPieces", "splitAndMoved", "mergedPieces",
                  "mergedAcrossShards", "unchanged"]:
            assert c[k] == exp[k], f"{ns}: {k} = {c[k]}, expected {exp[k]}"
            total[k] += exp[k]
        assert c["chunksBefore"] == len(A.chunks[ns]) and c["chunksAfter"] == len(B.chunks[ns]), ns
        for kind in ["moved", "split", "merged", "reshaped"]:
            mine = sorted(json.dumps(e, sort_keys=True) for e in examples[kind])
            theirs = sorted(json.dumps((x["min"], x["max"], sorted(set(x["from"])), sorted(set(x["to"])),
                                        x["chunksBefore"], x["chunksAfter"]), sort_keys=True)
                            for x in c["examples"][kind])
            assert theirs == mine, f"{ns}: {kind} examples"
    assert total["split"] > 0 and total["merged"] > 0 and total["moved"] > 0, \
        f"the simulation should have split, merged and moved chunks: {dict(total)}"


def test_limit_caps_examples_not_counts(shardscope, states):
    full, _ = diff_json(shardscope, states["t0"], states["t2"], "--limit", "1000000")
    capped, _ = diff_json(shardscope, states["t0"], states["t2"], "--limit", "2")
    assert capped["examplesLimit"] == 2
    for f, c in zip(full["chunkChanges"], capped["chunkChanges"]):
        assert f["ns"] == c["ns"]
        for kind in ["moved", "split", "merged", "reshaped"]:
            assert c[kind] == f[kind]
            assert c["examples"][kind] == f["examples"][kind][:2], "the first examples, in key order"


def test_two_seeds(shardscope, states):
    got, proc = diff_json(shardscope, states["t0"], states["seed8"])
    assert proc.returncode == 1
    A, B = State(states["t0"]), State(states["seed8"])
    if A.exp.cluster_id() != B.exp.cluster_id():
        assert got["clusterId"]["before"] == A.exp.cluster_id() and got["clusterId"]["after"] == B.exp.cluster_id()
    dist = {d["ns"]: d for d in got["distribution"]}
    for ns in set(A.colls) | set(B.colls):
        if A.per_shard(ns) != B.per_shard(ns):
            assert dist[ns]["chunks"]["after"] == sum(B.per_shard(ns).values())
    added = {s["_id"] for s in B.exp.shards} - {s["_id"] for s in A.exp.shards}
    assert {s["id"] for s in got["shards"]["added"]} == added


def test_dump_against_itself_is_equal(shardscope, states):
    for name in ["t0", "44-t1"]:
        proc = shardscope("diff", states[name], states[name])
        assert proc.returncode == 0, proc.stderr
        assert "no differences" in proc.stdout
        got, proc = diff_json(shardscope, states[name], states[name])
        assert proc.returncode == 0 and got["equal"] is True
        assert got["distribution"] == [] and all(c["moved"] == c["split"] == c["merged"] == 0 for c in got["chunkChanges"])


def test_same_moment_from_the_demo_and_from_its_dump(shardscope, tmp_path):
    """`demo:SEED@SECONDS` is the demo at that moment: diffing it with its own dump finds nothing."""
    path = demo_dump(shardscope, tmp_path / "d", 3, advance=300, chunks=None)
    proc = shardscope("diff", "demo:3@300", path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = shardscope("diff", "demo:3", "demo:3@300", "--json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["a"]["name"] == "demo (seed 3)"
    # Every command takes the same form: status of the demo at that moment says what its dump says.
    from_demo, _ = shardscope.status_json("demo:3@300")
    from_dump, _ = shardscope.status_json(path)
    assert from_demo["source"]["name"] == "demo (seed 3, +300 s)"
    for key in ["collections", "shards", "balancer", "clusterId"]:
        assert from_demo[key] == from_dump[key], key


def test_text_groups_marks_and_colour(shardscope, states, tmp_path):
    proc = shardscope("diff", states["t0"], states["t1"])
    assert proc.returncode == 1
    out = proc.stdout
    assert "\x1b[" not in out, "no colour without a terminal"
    assert "CHUNKS PER SHARD" in out and "CHUNK RANGES" in out
    assert any(l.lstrip().startswith("~ ") for l in out.splitlines())
    assert out.rstrip().splitlines()[-1].startswith("differences:")
    coloured = shardscope("diff", states["t0"], states["t1"], "--color", "always").stdout
    assert "\x1b[33m" in coloured
    # A shard that only B has shows as +, one that only A has as −.
    proc = shardscope("diff", states["t0"], states["seed8"])
    lines = proc.stdout.splitlines()
    if "SHARDS" in lines:
        i = lines.index("SHARDS")
        assert lines[i + 1].lstrip()[0] in "+−~"


def test_exit_codes_and_errors(shardscope, states, tmp_path):
    missing = shardscope("diff", states["t0"], tmp_path / "nope")
    assert missing.returncode == 2
    assert missing.stdout == ""
    assert len(missing.stderr.strip().splitlines()) == 1 and missing.stderr.startswith("shardscope: ")

    # A truncated chunks.bson: one line naming the file, exit 2.
    broken = tmp_path / "broken"
    demo_dump(shardscope, broken, 7)
    f = broken / "config" / "chunks.bson"
    f.write_bytes(f.read_bytes()[:-100])
    proc = shardscope("diff", states["t0"], broken)
    assert proc.returncode == 2, proc.stdout
    assert "chunks.bson" in proc.stderr

    # An unreachable server with a password in the URI: exit 2, the password never shown.
    proc = shardscope("diff", states["t0"], "mongodb://auditor:s3cr3tpw@127.0.0.1:1/?serverSelectionTimeoutMS=300",
                      "--timeout", "1", timeout=60)
    assert proc.returncode == 2
    assert "s3cr3tpw" not in proc.stderr + proc.stdout

    usage = shardscope("diff", states["t0"])
    assert usage.returncode == 64
    assert shardscope("diff", "demo:x", "demo").returncode == 64
    assert shardscope("diff", "demo", "demo", "--limit", "-1").returncode == 64


def test_tui_compare_mode(shardscope, states):
    """`shardscope B --compare A` in tmux: the Collections pane shows deltas against A, `c` toggles them."""
    import re
    import signal
    import sys
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "scripts"))
    from tmux_session import Tmux

    A, B = State(states["t0"]), State(states["t1"])
    t = Tmux(width=132, height=43)
    try:
        t.run(f"{shardscope.binary} {states['t1']} --compare {states['t0']}; echo EXIT=$?")
        t.wait_for(lambda s: "dump ·" in s.splitlines()[0], timeout=20)
        t.keys("3")
        s = t.wait_for(lambda s: "Δ vs" in s and "Δ by shard" in s, timeout=20)
        # Each collection's Δ is its chunk count in B minus A.
        for ns in sorted(B.colls):
            line = next(l for l in s.splitlines() if l.startswith(ns + " "))
            delta = sum(B.per_shard(ns).values()) - sum(A.per_shard(ns).values())
            if delta:
                shown = ("+" if delta > 0 else "−") + f"{abs(delta):,}"
                assert f" {shown} " in line, f"{ns}: expected {shown} in {line!r}"
        assert "c compare" in s.splitlines()[-1]
        t.keys("c")
        s = t.wait_for(lambda s: "compare hidden (c)" in s, timeout=5)
        assert "Δ by shard" not in s
        t.keys("q")
        s = t.wait_for(lambda s: re.search(r"^EXIT=\d+$", s, re.M), timeout=5)
        assert "EXIT=0" in s
    finally:
        pid = t.app_pid()
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, OSError):
                pass
        t.kill()


def test_colour_on_a_terminal_unless_no_color(shardscope, states):
    """On a terminal `diff` colours its marks; NO_COLOR turns that off (a pipe never gets it: test_text_groups_marks_and_colour)."""
    import sys
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "scripts"))
    from tmux_session import Tmux

    for env, coloured in [({}, True), ({"NO_COLOR": "1"}, False)]:
        t = Tmux(width=200, height=50, env=env)
        try:
            t.run(f"clear; {shardscope.binary} diff {states['t0']} {states['t1']} --limit 0; echo EXIT=$?")
            s = t.wait_for(lambda s: "EXIT=1" in s, timeout=60, escapes=True)
            sgr = re.compile(r"\x1b\[3[123]m")
            assert bool(sgr.search(s)) == coloured, f"NO_COLOR={env.get('NO_COLOR')}:\n{s}"
            assert "differences:" in s
        finally:
            t.kill()


def test_live_source_against_the_dump_it_serves(shardscope, states, peer_factory):
    """A live cluster (the test peer serving a dump) diffed with that dump is equal; with a later
    state it differs exactly as the two dumps do. Chunk ranges come page by page over the wire."""
    peer = peer_factory(states["t0"])
    proc = shardscope("diff", peer.uri, states["t0"], timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no differences" in proc.stdout
    live, proc = diff_json(shardscope, peer.uri, states["t1"], "--limit", "5")
    assert proc.returncode == 1
    dumps_only, _ = diff_json(shardscope, states["t0"], states["t1"], "--limit", "5")
    assert live["a"]["kind"] == "live"
    for key in ["distribution", "chunkChanges", "shards", "collections", "zones", "settings", "mongos"]:
        assert live[key] == dumps_only[key], key
    # Only reads were sent, chunks as finds with a limit (pages), never all at once.
    from test_live import check_allowed
    check_allowed(peer.commands())
    finds = [c for c in peer.commands() if c.get("command") == "find" and c.get("collection") == "chunks"]
    assert finds, "no chunk pages were read"


def test_no_ranges_compares_counts_only(shardscope, states):
    full, _ = diff_json(shardscope, states["t0"], states["t1"])
    counts, proc = diff_json(shardscope, states["t0"], states["t1"], "--no-ranges")
    assert proc.returncode == 1
    assert counts["rangesCompared"] is False and counts["chunkChanges"] == []
    assert counts["distribution"] == full["distribution"]
    text = shardscope("diff", states["t0"], states["t1"], "--no-ranges").stdout
    assert "CHUNK RANGES" not in text and "chunk ranges not compared (--no-ranges)" in text


def test_gzip_dump_equals_the_plain_one(shardscope, states, tmp_path):
    """The same state written with --gzip: equal to the plain dump, and diffs with a later state the same way."""
    gz = tmp_path / "gz"
    proc = shardscope("demo-dump", gz, "--seed", 7, "--chunks", CHUNKS, "--advance", 900, "--gzip", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (gz / "config" / "chunks.bson.gz").exists()
    same = shardscope("diff", states["t1"], gz)
    assert same.returncode == 0, same.stdout + same.stderr
    plain, _ = diff_json(shardscope, states["t0"], states["t1"])
    zipped, _ = diff_json(shardscope, states["t0"], gz)
    for key in ["distribution", "chunkChanges", "shards", "collections", "zones", "settings", "mongos"]:
        assert zipped[key] == plain[key], key


def test_tui_compare_with_an_unreadable_baseline(shardscope, states, tmp_path):
    """A baseline that fails to load (truncated chunks.bson) is reported in the Collections title; the
    main source stays usable. A baseline that does not exist at all is a one-line error before the UI."""
    import shutil
    import sys
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "scripts"))
    from tmux_session import Tmux

    # Without a terminal, `--compare` prints the comparison (`diff BASELINE SOURCE` as text) instead of status.
    piped = shardscope("ui", states["t1"], "--compare", states["t0"])
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == shardscope("diff", states["t0"], states["t1"], "--color", "never").stdout
    missing = shardscope("ui", states["t1"], "--compare", tmp_path / "nope")
    assert missing.returncode == 2 and "nope" in missing.stderr and missing.stdout == "", missing.stderr

    broken = tmp_path / "broken"
    shutil.copytree(states["t0"], broken)
    f = broken / "config" / "chunks.bson"
    f.write_bytes(f.read_bytes()[:-77])
    t = Tmux(width=160, height=30)
    try:
        t.run(f"{shardscope.binary} {states['t1']} --compare {broken}; echo EXIT=$?")
        t.wait_for(lambda s: "dump ·" in s.splitlines()[0], timeout=20)
        t.keys("3")
        s = t.wait_for(lambda s: "compare: cannot load" in s, timeout=20)
        assert "broken" in s and "Δ by shard" not in s
        t.keys("2")
        t.wait_for(lambda s: s.splitlines()[2].startswith("Shards"), timeout=5)
        t.keys("q")
        s = t.wait_for(lambda s: re.search(r"^EXIT=\d+$", s, re.M), timeout=5)
        assert "EXIT=0" in s
    finally:
        t.kill()
