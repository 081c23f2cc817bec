"""`status --json` on generated dumps agrees exactly with an independent reading
of the same files done with pymongo's bson module (tests/dumpcount.py)."""
import datetime
import json

import pytest

from conftest import SMALL_SHAPES
from dumpcount import Expected, ms, parse_time, relaxed

CONTRACT_KEYS = {"clusterId", "source", "shards", "databases", "collections", "balancer",
                 "mongos", "changelog", "warnings"}

CASES = [(s, "small") for s in SMALL_SHAPES] + [("7.0", "large")]


@pytest.fixture(scope="module", params=CASES, ids=[f"{s}-{k}" for s, k in CASES])
def case(request, dumps, shardscope):
    shape, kind = request.param
    path = dumps.small(shape) if kind == "small" else dumps.large()
    got, _ = shardscope.status_json(path)
    return path, Expected(path), got


def test_contract_keys_and_source(case):
    path, exp, got = case
    assert CONTRACT_KEYS <= set(got), f"missing keys: {CONTRACT_KEYS - set(got)}"
    assert got["source"]["kind"] == "dump"
    assert str(path) in json.dumps(got["source"]), got["source"]
    assert exp.chunks, "the generated dump has no chunks: the comparison would prove nothing"
    assert exp.unmatched == 0 or exp.unmatched < len(exp.chunks)


def test_cluster_id(case):
    _, exp, got = case
    assert got["clusterId"] == exp.cluster_id()


def test_chunk_counts_per_collection_per_shard(case):
    _, exp, got = case
    by_ns = {c["ns"]: c for c in got["collections"]}
    assert sorted(by_ns) == sorted(exp.per_shard), "sharded collections differ (dropped/unsplittable must be skipped)"
    assert len(got["collections"]) == len(by_ns), "a collection is listed twice"
    total_expected = total_got = 0
    for ns, counts in exp.per_shard.items():
        c = by_ns[ns]
        got_counts = {k: v for k, v in c["chunksByShard"].items() if v}
        assert got_counts == dict(counts), f"{ns}: chunksByShard"
        assert c["chunks"] == sum(counts.values()), f"{ns}: chunks total"
        assert c["jumbo"] == exp.jumbo[ns], f"{ns}: jumbo count"
        total_expected += sum(counts.values())
        total_got += c["chunks"]
    assert total_got == total_expected == len(exp.chunks) - exp.unmatched
    assert total_expected > 0


def test_collection_keys_unique_and_zones(case):
    _, exp, got = case
    by_ns = {c["ns"]: c for c in got["collections"]}
    for coll in exp.collections:
        c = by_ns[coll["_id"]]
        assert c["key"] == relaxed(coll["key"]), f"{coll['_id']}: key"
        assert list(c["key"]) == list(coll["key"]), f"{coll['_id']}: key field order"
        assert c["unique"] == bool(coll.get("unique", False)), f"{coll['_id']}: unique"
        zones = sorted(json.dumps(z, sort_keys=True) for z in c["zones"])
        assert zones == exp.zones_of(coll["_id"]), f"{coll['_id']}: zones"


def test_shards(case):
    _, exp, got = case
    by_id = {s["id"]: s for s in got["shards"]}
    assert sorted(by_id) == sorted(d["_id"] for d in exp.shards)
    for d in exp.shards:
        s = by_id[d["_id"]]
        assert s["host"] == d["host"]
        assert s["draining"] == bool(d.get("draining", False))
        assert sorted(s["zones"]) == sorted(d.get("tags", []))
        if "state" in d:
            assert s["state"] == d["state"]


def test_databases(case):
    _, exp, got = case
    assert sorted((d["name"], d["primary"]) for d in got["databases"]) == \
        sorted((d["_id"], d.get("primary")) for d in exp.databases)


def test_mongos_ages_and_stale(case):
    _, exp, got = case
    by_host = {m["host"]: m for m in got["mongos"]}
    assert sorted(by_host) == sorted(d["_id"] for d in exp.mongos)
    newest = exp.newest_ping()
    for d in exp.mongos:
        m = by_host[d["_id"]]
        assert m["version"] == d.get("mongoVersion")
        age = (newest - d["ping"]).total_seconds()
        assert abs(m["pingAgeSeconds"] - age) <= 1, f"{d['_id']}: ping age relative to the newest ping"
        assert m["stale"] == (age > 60), f"{d['_id']}: stale flag"
    if len(exp.mongos) > 1:
        assert any(m["stale"] for m in got["mongos"]) or all(
            (newest - d["ping"]).total_seconds() <= 60 for d in exp.mongos)


def test_changelog_newest_first(case):
    _, exp, got = case
    n = min(200, len(exp.changelog))
    want = exp.changelog_newest(n)
    assert len(got["changelog"]) == n
    times = [ms(parse_time(e["time"])) for e in got["changelog"]]
    assert times == sorted(times, reverse=True), "changelog not newest first"
    assert times == [ms(d["time"]) for d in want]
    key = lambda e: (e[0], e[1], e[2] or "", e[3] or "")  # noqa: E731
    assert sorted(((ms(parse_time(e["time"])), e["what"], e["ns"], e["server"]) for e in got["changelog"]), key=key) == \
        sorted(((ms(d["time"]), d["what"], d.get("ns"), d.get("server")) for d in want), key=key)


def test_balancer(case):
    _, exp, got = case
    b = got["balancer"]
    bal = exp.settings.get("balancer", {})
    stopped = bal.get("stopped") is True or bal.get("mode") == "off"
    assert b["enabled"] == (not stopped)
    if "mode" in bal:
        assert b["mode"] == bal["mode"]
    win = bal.get("activeWindow")
    if win:
        assert b["activeWindow"] == {"start": win["start"], "stop": win["stop"]}
    else:
        assert b["activeWindow"] is None
    chunksize = exp.settings.get("chunksize", {}).get("value")
    if chunksize is not None:
        assert b["chunkSizeMB"] == chunksize
    else:
        assert b["chunkSizeMB"] in (64, 128)   # server default (64 MB before 6.0, 128 MB since)


def test_changelog_option_limits_entries(dumps, shardscope):
    path = dumps.small("7.0")
    exp = Expected(path)
    got, _ = shardscope.status_json(path, "--changelog", "3")
    assert [ms(parse_time(e["time"])) for e in got["changelog"]] == \
        [ms(d["time"]) for d in exp.changelog_newest(3)]


def test_config_folder_and_parent_read_the_same(dumps, shardscope):
    path = dumps.small("5.0")
    a, _ = shardscope.status_json(path)
    b, _ = shardscope.status_json(path / "config")
    a.pop("source")
    b.pop("source")
    assert a == b
