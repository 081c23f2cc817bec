"""The test peer itself, through pymongo, over a dump written here with bson
(independent of shardscope): cursors, BSON ordering, errors, log, SIGTERM."""
import datetime
import gzip
import random

import bson
import pymongo
import pytest
from bson import Binary, MaxKey, MinKey, ObjectId, Timestamp
from pymongo.errors import OperationFailure

N = 1500


@pytest.fixture(scope="module")
def tiny_dump(tmp_path_factory):
    root = tmp_path_factory.mktemp("tinydump")
    cfg = root / "config"
    cfg.mkdir()
    rnd = random.Random(3)
    u = Binary(bytes(range(16)), 4)
    bounds = [MinKey()] + list(range(1, N)) + [MaxKey()]
    chunks = [{"_id": ObjectId(), "uuid": u, "min": {"k": bounds[i]}, "max": {"k": bounds[i + 1]},
               "shard": f"s{rnd.randrange(3)}", "lastmod": Timestamp(1000 + rnd.randrange(50), i),
               **({"jumbo": True} if i % 100 == 0 else {})} for i in range(N)]
    rnd.shuffle(chunks)
    now = datetime.datetime(2026, 1, 2, 3, 4, 5)
    (cfg / "chunks.bson").write_bytes(b"".join(bson.encode(c) for c in chunks))
    with gzip.open(cfg / "mongos.bson.gz", "wb") as f:
        f.write(bson.encode({"_id": "m:27017", "ping": now, "mongoVersion": "7.0.1"}))
    (cfg / "settings.bson").write_bytes(bson.encode({"_id": "balancer", "stopped": True}))
    return root, chunks, now


@pytest.fixture(scope="module")
def served(tiny_dump, tmp_path_factory):
    from conftest import Peer
    root, chunks, now = tiny_dump
    peer = Peer(root, tmp_path_factory.mktemp("peer"))
    client = pymongo.MongoClient(peer.uri, serverSelectionTimeoutMS=5000)
    yield peer, client, chunks, now
    client.close()
    assert peer.stop() == 0, "the peer must exit cleanly on SIGTERM"


def test_handshake_is_a_mongos(served):
    peer, client, _, now = served
    hello = client.admin.command("hello")
    assert hello["msg"] == "isdbgrid" and hello["maxWireVersion"] == 17 and "topologyVersion" in hello
    assert hello["localTime"].replace(tzinfo=None) == now
    assert client.admin.command("buildInfo")["version"] == "7.0.14"
    assert client.admin.command("balancerStatus")["mode"] == "off"


def test_find_with_cursors_and_filter(served):
    peer, client, chunks, _ = served
    peer.clear_log()
    got = list(client.config.chunks.find({"shard": "s1"}, batch_size=100))
    assert len(got) == sum(1 for c in chunks if c["shard"] == "s1")
    cmds = [c["command"] for c in peer.commands()]
    assert cmds.count("getMore") == (len(got) - 1) // 100
    cur = client.config.chunks.find({}, batch_size=10)
    next(cur)
    cur.close()
    assert "killCursors" in [c["command"] for c in peer.commands()]


def test_sort_in_bson_order_with_range_filter(served):
    _, client, chunks, _ = served
    first = list(client.config.chunks.find({}, {"min": 1, "_id": 0}).sort("min", 1).limit(2))
    assert first == [{"min": {"k": MinKey()}}, {"min": {"k": 1}}]
    last = client.config.chunks.find_one({}, sort=[("max", -1)])
    assert last["max"] == {"k": MaxKey()}
    got = [c["min"]["k"] for c in client.config.chunks.find({"min": {"$gte": {"k": 100}, "$lt": {"k": 110}}}).sort("min", 1)]
    assert got == list(range(100, 110))
    newest = client.config.chunks.find_one({}, sort=[("lastmod", -1)])
    assert newest["lastmod"] == max((c["lastmod"] for c in chunks), key=lambda t: (t.time, t.inc))


def test_aggregate_group(served):
    peer, client, chunks, _ = served
    got = {d["_id"]: (d["n"], d["j"]) for d in client.config.chunks.aggregate([
        {"$match": {"uuid": chunks[0]["uuid"]}},
        {"$group": {"_id": "$shard", "n": {"$sum": 1}, "j": {"$sum": {"$cond": [{"$eq": ["$jumbo", True]}, 1, 0]}}}}])}
    want = {}
    for c in chunks:
        n, j = want.get(c["shard"], (0, 0))
        want[c["shard"]] = (n + 1, j + (1 if c.get("jumbo") else 0))
    assert got == want
    log = peer.commands()[-1]
    assert log == {"command": "aggregate", "db": "config", "collection": "chunks", "pipeline_stages": ["$match", "$group"]}


def test_errors(served):
    _, client, _, _ = served
    with pytest.raises(OperationFailure) as e:
        list(client.admin.aggregate([{"$shardedDataDistribution": {}}]))
    assert e.value.code == 40324 and "$shardedDataDistribution" in str(e.value)
    with pytest.raises(OperationFailure) as e:
        client.admin.command("listDatabases")
    assert e.value.code == 59
