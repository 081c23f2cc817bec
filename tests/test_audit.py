"""`shardscope audit`: findings and exit status on the demo, on dumps and on a live peer whose shards are fake
replica sets (scripts/rspeer.py) answering hello/replSetGetStatus as a primary, a secondary, an arbiter, with one
host unreachable."""
import json
import pathlib
import signal
import subprocess
import sys
import time

import bson
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
RSPEER = ROOT / "scripts" / "rspeer.py"
SEVERITIES = {"info", "warning", "error"}


def audit_json(shardscope, *args):
    proc = shardscope("audit", *args, "--json")
    assert proc.returncode in (0, 1), f"audit exited {proc.returncode}:\n{proc.stderr}"
    doc = json.loads(proc.stdout)
    return doc, proc


def by_id(doc):
    out = {}
    for f in doc["findings"]:
        out.setdefault(f["id"], []).append(f)
    return out


def test_json_shape_on_the_demo(shardscope):
    doc, proc = audit_json(shardscope, "demo")
    assert proc.returncode == 0                       # the demo has warnings, no error
    assert isinstance(doc["findings"], list) and doc["findings"]
    for f in doc["findings"]:
        assert set(f) == {"id", "severity", "subject", "message", "advice", "data"}, f
        assert f["severity"] in SEVERITIES
        assert set(f["subject"]) == {"kind", "name"}
        assert f["message"] and f["advice"]
    order = ["error", "warning", "info"]
    ranks = [order.index(f["severity"]) for f in doc["findings"]]
    assert ranks == sorted(ranks), "most serious first"
    assert doc["counts"] == {s: sum(f["severity"] == s for f in doc["findings"]) for s in order}


def test_demo_findings_are_the_ones_the_demo_was_built_with(shardscope):
    doc, _ = audit_json(shardscope, "demo")
    f = by_id(doc)
    # The demo: jumbo chunks in shop.orders, mongos-d stopped pinging 17 min ago, two mongos versions,
    # analytics.sessions with noBalance, shard4 draining, failed balancer rounds and migrations.
    jumbo = [x for x in f["jumbo.chunks"] if x["subject"]["name"] == "shop.orders"][0]
    assert jumbo["subject"] == {"kind": "collection", "name": "shop.orders"}
    assert jumbo["data"]["count"] == len(jumbo["data"]["ranges"]) or len(jumbo["data"]["ranges"]) == 20
    assert all(r["shard"] and r["min"] and r["max"] for r in jumbo["data"]["ranges"])
    assert [x["subject"]["name"] for x in f["mongos.stale"]] == ["mongos-d.demo.net:27017"]
    assert "17 min" in f["mongos.stale"][0]["message"]
    assert "mongos.versions" in f
    assert [x["subject"]["name"] for x in f["balancer.collection-off"]] == ["analytics.sessions"]
    assert [x["subject"]["name"] for x in f["shards.draining"]] == ["shard4"]
    assert "balancer.failed-rounds" in f and "migrations.failed" in f
    # What a demo cannot know is said, not passed over.
    for nc in ("resilience.not-checked", "durability.not-checked"):
        assert f[nc][0]["severity"] == "info" and "not checked: needs a live connection" in f[nc][0]["message"]
    # The zoned collections were scanned: the demo's one chunk of accounts.ledger's EU range left on shard2 (US only,
    # jumbo so it cannot move back) is found with its range.
    assert "zones.wrong-shard.not-checked" not in f
    wrong = f["zones.wrong-shard"]
    assert [x["subject"]["name"] for x in wrong] == ["accounts.ledger"]
    assert [(c["zone"], c["shard"]) for c in wrong[0]["data"]["chunks"]] == [("EU", "shard2")]
    assert "jumbo" in wrong[0]["advice"]
    ledger = [x for x in f["jumbo.chunks"] if x["subject"]["name"] == "accounts.ledger"]
    assert ledger and ledger[0]["data"]["ranges"][0]["min"] == wrong[0]["data"]["chunks"][0]["min"]


def test_failed_migrations_cover_24_hours_whatever_changelog_says(shardscope, dumps):
    d = str(dumps.small("7.0"))
    few, _ = audit_json(shardscope, d, "--changelog", "3")
    many, _ = audit_json(shardscope, d, "--changelog", "5000")
    counts = lambda doc: sorted((x["data"]["reason"], x["data"]["count"]) for x in by_id(doc).get("migrations.failed", []))
    assert counts(few) == counts(many) and counts(few), counts(few)
    # status with --changelog 3 sees at most 3 entries: the audit read its own 24 h.
    status, _ = shardscope.status_json(d, "--changelog", "3")
    assert len(status["changelog"]) == 3


@pytest.mark.parametrize("shape", ["4.4", "5.0", "7.0", "8.0"])
def test_every_demo_shape_is_audited(shardscope, dumps, shape):
    """4.4 and 5.0 spell the balancer round's error flag errorOccured, 7.0 and 8.0 errorOccurred: both count.
    4.4's shard3 is a single host."""
    doc, proc = audit_json(shardscope, str(dumps.small(shape)))
    f = by_id(doc)
    rounds = f["balancer.failed-rounds"][0]
    assert rounds["data"]["failed"] >= 1, rounds
    single = [x["subject"]["name"] for x in f.get("shards.not-replica-set", [])]
    assert single == (["shard3"] if shape == "4.4" else [])
    assert [x["subject"]["name"] for x in f["zones.wrong-shard"]] == ["accounts.ledger"]


def test_exit_status_follows_fail_on(shardscope):
    assert shardscope("audit", "demo").returncode == 0
    assert shardscope("audit", "demo", "--fail-on", "error").returncode == 0
    proc = shardscope("audit", "demo", "--fail-on", "warning")
    assert proc.returncode == 1
    assert "result:" in proc.stdout and "at or above warning" in proc.stdout


def test_text_report_is_grouped_by_severity(shardscope):
    proc = shardscope("audit", "demo")
    out = proc.stdout
    assert out.index("WARNINGS (") < out.index("INFO (")
    assert "[mongos.stale] mongos mongos-d.demo.net:27017 has not pinged for 17 min" in out
    assert "      → " in out


def test_unreadable_source_exits_2_and_usage_errors_64(shardscope, tmp_path):
    proc = shardscope("audit", str(tmp_path / "nowhere"))
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("shardscope: ")
    assert shardscope("audit", "demo", "--fail-on", "info").returncode == 64
    assert shardscope("audit", "demo", "--fail-on", "bogus").returncode == 64
    proc = shardscope("audit", "demo", "--probe-shards")
    assert proc.returncode == 2 and "--probe-shards needs a live cluster" in proc.stderr


def rewrite(dump, shards):
    """Replaces config.shards of a dump with `shards` [(id, host, extra)]."""
    path = pathlib.Path(dump) / "config" / "shards.bson"
    docs = [bson.decode(d) for d in [path.read_bytes()]] if False else list(bson.decode_file_iter(open(path, "rb")))
    by = {d["_id"]: d for d in docs}
    out = []
    for sid, host, extra in shards:
        d = dict(by.get(sid, {"_id": sid, "state": 1}))
        d["host"] = host
        d.update(extra)
        out.append(d)
    path.write_bytes(b"".join(bson.encode(d) for d in out))


def test_audit_on_a_dump_with_a_zone_problem(shardscope, dumps, tmp_path):
    """A dump whose zone EU lost its shards: zones.no-shard is an error, so the default --fail-on exits 1."""
    d = dumps.copy("7.0", tmp_path / "d")
    path = d / "config" / "shards.bson"
    docs = list(bson.decode_file_iter(open(path, "rb")))
    for doc in docs:
        doc["tags"] = [t for t in doc.get("tags", []) if t != "EU"]
    path.write_bytes(b"".join(bson.encode(x) for x in docs))
    doc, proc = audit_json(shardscope, str(d))
    assert proc.returncode == 1
    f = by_id(doc)
    assert f["zones.no-shard"][0]["subject"] == {"kind": "zone", "name": "EU"}
    # The EU ranges' chunks now sit on shards outside their zone: found by scanning the dump's chunks.
    wrong = {x["subject"]["name"]: x for x in f["zones.wrong-shard"]}
    assert set(wrong) == {"shop.users", "accounts.ledger"}
    assert all(c["zone"] == "EU" for x in wrong.values() for c in x["data"]["chunks"])
    # Near miss: the untouched dump has no zone without shards, and only the demo's one misplaced ledger chunk.
    doc2, proc2 = audit_json(shardscope, str(dumps.small("7.0")))
    assert proc2.returncode == 0
    f2 = by_id(doc2)
    assert "zones.no-shard" not in f2
    assert [(x["subject"]["name"], x["data"]["count"]) for x in f2["zones.wrong-shard"]] == [("accounts.ledger", 1)]
    assert wrong["accounts.ledger"]["data"]["count"] > 1


def test_live_audit_finds_what_the_dump_audit_finds_with_indexed_finds(shardscope, dumps, peer_factory):
    """The same cluster as a dump and through the peer: the chunk-level findings agree, and live they come from
    one find per question on config.chunks ({uuid, jumbo} and {uuid, min, max, shard: $nin}), never a full scan."""
    d = dumps.small("7.0")
    dump_doc, _ = audit_json(shardscope, str(d))
    peer = peer_factory(d)
    peer.clear_log()
    live_doc, _ = audit_json(shardscope, peer.uri)
    for fid in ("jumbo.chunks", "zones.wrong-shard", "mongos.stale", "shards.draining"):
        strip = lambda fs: [(f["subject"], f["message"], f["data"]) for f in fs]
        assert strip(by_id(live_doc).get(fid, [])) == strip(by_id(dump_doc).get(fid, [])), fid
    assert by_id(live_doc)["zones.wrong-shard"], "the demo's misplaced ledger chunk is found live too"
    # Live, the server says it is 7.0 (buildInfo): chunk counts are only a hint there, not a warning as on the dump.
    assert {f["severity"] for f in by_id(live_doc)["distribution.chunk-imbalance"]} == {"info"}
    assert {f["severity"] for f in by_id(dump_doc)["distribution.chunk-imbalance"]} == {"warning"}
    chunk_finds = [c for c in peer.commands() if c["command"] == "find" and c.get("collection") == "chunks"]
    shapes = sorted({json.dumps(c.get("filter"), sort_keys=True) for c in chunk_finds})
    assert shapes == sorted({json.dumps({"uuid": "$eq", "jumbo": "$eq"}, sort_keys=True),
                             json.dumps({"uuid": "$eq", "min": ["$gte"], "max": ["$lte"], "shard": ["$nin"]}, sort_keys=True)}), shapes
    zoned_ranges = 5          # shop.users: APAC, EU, US; accounts.ledger: US, EU
    jumbo_collections = 2     # shop.orders, accounts.ledger
    assert len(chunk_finds) == zoned_ranges + jumbo_collections, chunk_finds
    assert not [c for c in peer.commands() if c["command"] == "getMore" and c.get("collection") == "chunks"]


class RSPeer:
    def __init__(self, workdir, name, members, *extra):
        workdir.mkdir(parents=True, exist_ok=True)
        self.info_file = workdir / f"{name}.json"
        self.log_file = workdir / f"{name}.log"
        self.proc = subprocess.Popen([sys.executable, str(RSPEER), "--set", name, "--members", members,
                                      "--info-file", str(self.info_file), "--log", str(self.log_file), *extra],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not self.info_file.exists():
            if self.proc.poll() is not None:
                raise AssertionError(f"rspeer exited {self.proc.returncode}: {self.proc.stderr.read()}")
            assert time.monotonic() < deadline, "rspeer did not start"
            time.sleep(0.05)
        self.info = json.loads(self.info_file.read_text())

    def commands(self):
        return [json.loads(l)["command"] for l in self.log_file.read_text().splitlines() if l.strip()]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def rspeers(tmp_path):
    started = []

    def start(name, members, *extra):
        p = RSPeer(tmp_path / "rs", name, members, *extra)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()


def test_probe_shards_against_fake_replica_sets(shardscope, dumps, peer_factory, rspeers, tmp_path):
    healthy = rspeers("rsA", "primary,secondary,arbiter,down", "--lag", "30")
    headless = rspeers("rsB", "secondary,secondary,down", "--no-status")
    d = dumps.copy("7.0", tmp_path / "d")
    shards = [("shard0", healthy.info["host_string"], {}), ("shard1", headless.info["host_string"], {})]
    shards += [(f"shard{i}", healthy.info["host_string"], {}) for i in (2, 3, 4)]
    rewrite(d, shards)
    peer = peer_factory(d)
    proc = shardscope("audit", peer.uri, "--probe-shards", "--json", "--timeout", "2")
    assert proc.returncode == 1, proc.stderr              # shard1 has no primary: an error
    doc = json.loads(proc.stdout)
    f = by_id(doc)
    assert "resilience.not-checked" not in f
    no_primary = [x["subject"]["name"] for x in f["resilience.no-primary"]]
    assert no_primary == ["shard1"]
    unreachable = {(x["subject"]["name"], x["data"]["host"]) for x in f["resilience.unreachable"]}
    assert ("shard0", healthy.info["hosts"][3]) in unreachable and ("shard1", headless.info["hosts"][2]) in unreachable
    lag = [x for x in f["resilience.lag"] if x["subject"]["name"] == "shard0"]
    assert lag and lag[0]["data"]["lagSeconds"] == 30 and lag[0]["data"]["member"] == healthy.info["hosts"][1]
    down = [x for x in f["resilience.member-unhealthy"] if x["subject"]["name"] == "shard0"]
    assert [x["data"]["member"] for x in down] == [healthy.info["hosts"][3]]
    # replSetGetStatus refused on rsB: said so, states from hello only.
    assert [x["subject"]["name"] for x in f["resilience.status-unavailable"]] == ["shard1"]
    # rsA: 4 voting members, 3 data-bearing (one down): w:majority needs 3, 2 are up.
    maj = [x for x in f.get("durability.majority-unavailable", []) if x["subject"]["name"] == "shard0"]
    assert maj and maj[0]["data"] == {"dataBearing": 3, "healthy": 2, "writeMajority": 3}
    # The peer's default write concern is the implicit majority: nothing to say.
    assert "durability.write-concern" not in f and "durability.not-checked" not in f
    # This peer does not answer getShardMap: the config servers are said to be not probed, not passed over.
    assert [x["subject"] for x in f["resilience.not-probed"]] == [{"kind": "cluster", "name": "config servers"}]
    # Read-only: the members saw nothing but the handshake/hello and replSetGetStatus.
    for p in (healthy, headless):
        sent = set(p.commands())
        assert sent, "probing reached the members"
        assert sent <= {"hello", "isMaster", "ismaster", "replSetGetStatus", "endSessions"}, sent


def test_config_servers_probed_from_get_shard_map(shardscope, dumps, peer_factory, rspeers, tmp_path):
    shard_set = rspeers("rsA", "primary,secondary,secondary")
    config_set = rspeers("cfgRS", "secondary,secondary,down")
    d = dumps.copy("7.0", tmp_path / "d")
    rewrite(d, [(f"shard{i}", shard_set.info["host_string"], {}) for i in range(5)])
    peer = peer_factory(d, "--config-hosts", config_set.info["host_string"])
    doc, proc = audit_json(shardscope, peer.uri, "--probe-shards", "--timeout", "2")
    assert proc.returncode == 1
    f = by_id(doc)
    assert [x["message"] for x in f["resilience.no-primary"]] == ["config servers: no primary"]
    assert f["resilience.no-primary"][0]["subject"] == {"kind": "cluster", "name": "config servers"}
    assert "resilience.not-probed" not in f
    # The healthy shard set has nothing to report.
    assert not [x for x in doc["findings"] if x["subject"]["kind"] == "shard" and x["id"].startswith(("resilience", "durability"))]
    assert set(config_set.commands()) <= {"hello", "isMaster", "ismaster", "replSetGetStatus", "endSessions"}
    assert "getShardMap" in [c["command"] for c in peer.commands()]


@pytest.mark.parametrize("wc, finding", [('{"w": 1}', "durability.write-concern"),
                                         ('{"w": "majority", "j": false}', "durability.journal"),
                                         ('{"w": "majority", "wtimeout": 0}', None)])
def test_default_write_concern_from_the_server(shardscope, dumps, peer_factory, wc, finding):
    peer = peer_factory(dumps.small("7.0"), "--default-write-concern", wc)
    doc, _ = audit_json(shardscope, peer.uri)
    ids = {x["id"] for x in doc["findings"] if x["id"].startswith("durability")}
    assert ids == ({finding} if finding else set()), (wc, ids)
    if finding == "durability.write-concern":
        assert "w: 1" in by_id(doc)[finding][0]["message"]


def test_a_snapshot_dump_keeps_the_servers_write_concern_for_the_audit(shardscope, dumps, peer_factory, tmp_path):
    """`shardscope snapshot` records getDefaultRWConcern's answer beside the dump: audited offline, the durability
    check runs on it instead of saying "not checked"."""
    peer = peer_factory(dumps.small("7.0"), "--default-write-concern", '{"w": 1}')
    out = tmp_path / "snap"
    proc = shardscope("snapshot", peer.uri, "--out", out)
    assert proc.returncode == 0, proc.stderr
    doc, _ = audit_json(shardscope, str(out))
    f = by_id(doc)
    assert "durability.not-checked" not in f
    assert "w: 1" in f["durability.write-concern"][0]["message"]
    # A plain mongodump has no such answer: said so.
    plain, _ = audit_json(shardscope, str(dumps.small("7.0")))
    assert "durability.not-checked" in by_id(plain)


def test_probe_never_crashes_on_an_unreachable_shard(shardscope, dumps, peer_factory, tmp_path):
    from conftest import free_closed_port
    d = dumps.copy("7.0", tmp_path / "d")
    gone = f"rsX/127.0.0.1:{free_closed_port()},127.0.0.1:{free_closed_port()}"
    rewrite(d, [(f"shard{i}", gone, {}) for i in range(5)])
    peer = peer_factory(d)
    proc = shardscope("audit", peer.uri, "--probe-shards", "--timeout", "1")
    assert proc.returncode == 1, proc.stderr
    assert "[resilience.no-primary] shard shard0: no primary (no member answered)" in proc.stdout
    assert "[resilience.unreachable] shard shard0: no answer from 127.0.0.1:" in proc.stdout


def test_probe_of_many_silent_hosts_costs_one_timeout(shardscope, dumps, peer_factory, tmp_path):
    """Every host of every shard is probed at once: 5 shards of 3 members that accept connections but never answer
    cost about one --timeout in all, not one per host or per CPU (nested concurrentPerform: ~6 timeouts on 2 CPUs)."""
    import socket
    import time
    silent = []
    for _ in range(15):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        silent.append(s)
    try:
        ports = [s.getsockname()[1] for s in silent]
        d = dumps.copy("7.0", tmp_path / "d")
        rewrite(d, [(f"shard{i}", f"rs{i}/" + ",".join(f"127.0.0.1:{p}" for p in ports[3 * i:3 * i + 3]), {})
                    for i in range(5)])
        peer = peer_factory(d)
        timeout = 2.0
        start = time.monotonic()
        proc = shardscope("audit", peer.uri, "--probe-shards", "--json", "--timeout", str(timeout))
        elapsed = time.monotonic() - start
        assert proc.returncode == 1, proc.stderr
        f = by_id(json.loads(proc.stdout))
        assert len(f["resilience.unreachable"]) == 15
        assert sorted(x["subject"]["name"] for x in f["resilience.no-primary"]) == [f"shard{i}" for i in range(5)]
        assert elapsed < 2.5 * timeout, f"probing 15 silent hosts took {elapsed:.1f} s with --timeout {timeout}"
    finally:
        for s in silent:
            s.close()


# -- the TUI: Health pane on the demo, and `ui --probe-shards` against the fake replica sets

sys.path.insert(0, str(ROOT / "scripts"))


@pytest.fixture
def tmux_ui(shardscope):
    from tmux_session import Tmux
    import os
    import shlex
    sessions = []

    def start(*args, width=132, height=43):
        t = Tmux(width=width, height=height)
        sessions.append(t)
        t.run(" ".join(shlex.quote(str(a)) for a in [shardscope.binary, *args]) + "; echo EXIT=$?")
        t.wait_for(lambda s: "shardscope" in s.splitlines()[0] or "err" in s.splitlines()[0], timeout=20)
        return t

    yield start
    for t in sessions:
        try:
            pid = t.app_pid()
            if pid:
                os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, ValueError, OSError):
            pass
        finally:
            t.kill()


def test_health_pane_on_the_demo_and_enter_goes_to_the_collection(tmux_ui):
    t = tmux_ui("demo")
    t.keys("9")
    # The chunk scan arrives after the first snapshot ("zones.wrong-shard.not-checked" until then).
    screen = t.wait_for(lambda s: s.splitlines()[2].startswith("Health") and
                        any(l.rstrip().endswith("zones.wrong-shard") for l in s.splitlines()), timeout=15)
    assert " warn " in screen.splitlines()[0], "the header badge counts the warnings"
    assert "mongos.stale" in screen and "jumbo.chunks" in screen
    # Select the wrong-zone finding and press Enter: the Collections pane opens on accounts.ledger.
    rows = [l for l in screen.splitlines()[4:-2] if l.strip()]
    index = next(i for i, l in enumerate(rows) if l.rstrip().endswith("zones.wrong-shard"))
    t.keys(*(["j"] * index))
    t.wait_for(lambda s: s.splitlines()[-2].startswith("→ it is jumbo"), timeout=5)
    t.keys("Enter")
    screen = t.wait_for(lambda s: s.splitlines()[2].startswith("Collections"), timeout=5)
    from tmux_session import Tmux  # noqa: F401
    selected = t.screen(escapes=True).splitlines()
    row = next(l for l in selected if "accounts.ledger" in l)
    assert "\x1b[" in row, "the collection's row is highlighted"


def test_ui_probe_shards_shows_the_member_table(tmux_ui, dumps, peer_factory, rspeers, tmp_path):
    healthy = rspeers("rsA", "primary,secondary,arbiter,down", "--lag", "30")
    d = dumps.copy("7.0", tmp_path / "d")
    rewrite(d, [(f"shard{i}", healthy.info["host_string"], {}) for i in range(5)])
    peer = peer_factory(d)
    t = tmux_ui("ui", peer.uri, "--probe-shards", "--timeout", "1")
    t.keys("9")
    screen = t.wait_for(lambda s: "Replica sets (probed)" in s, timeout=30)
    assert "ARBITER" in screen and "unreachable" in screen and "30 s" in screen
    # The findings can be filtered like the other tables.
    t.keys("/")
    t.type("id:resilience.lag")
    t.keys("Enter")
    screen = t.wait_for(lambda s: "filter: id:resilience.lag" in s.splitlines()[2], timeout=5)
    lag_rows = [l for l in screen.splitlines() if l.rstrip().endswith("resilience.lag")]
    assert len(lag_rows) == 5 and all("behind the primary" in l or "is 30 s" in l for l in lag_rows), screen
    assert set(healthy.commands()) <= {"hello", "isMaster", "ismaster", "replSetGetStatus", "endSessions"}
