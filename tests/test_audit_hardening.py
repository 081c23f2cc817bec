"""`shardscope audit` and `status --json` on dumps whose config data would once trap the binary (exit 132):
every shard draining, a chunk size far beyond what the server accepts, a changelog entry dated at the end of
Int64 milliseconds. Each must give a normal answer (exit 0 or 1), never a crash."""
import json

import bson
import pytest
from bson.codec_options import DatetimeConversion
from bson.datetime_ms import DatetimeMS

EXIT_OK = (0, 1)


def load(path):
    with open(path, "rb") as f:
        return list(bson.decode_file_iter(f, codec_options=bson.CodecOptions(datetime_conversion=DatetimeConversion.DATETIME_AUTO)))


def save(path, docs):
    path.write_bytes(b"".join(bson.encode(d) for d in docs))


def run_json(shardscope, *args):
    proc = shardscope(*args, "--json")
    assert proc.returncode in EXIT_OK, f"{args[0]} exited {proc.returncode}:\n{proc.stderr}"
    return json.loads(proc.stdout), proc


def ids(doc):
    return {f["id"]: f for f in doc["findings"]}


def test_every_shard_draining(shardscope, dumps, tmp_path):
    d = dumps.copy("7.0", tmp_path / "d")
    path = d / "config" / "shards.bson"
    docs = load(path)
    for doc in docs:
        doc["draining"] = True
    save(path, docs)
    doc, _ = run_json(shardscope, "audit", str(d))
    f = ids(doc)
    drained = [x for x in doc["findings"] if x["id"] == "shards.draining"]
    assert len(drained) == len(docs)
    # With no shard able to take chunks, the comparison falls back to all shards (one definition with the
    # snapshot's imbalance), so an imbalanced collection is still reported with its most and least loaded shards.
    for x in doc["findings"]:
        if x["id"] == "distribution.chunk-imbalance":
            assert x["data"]["mostLoaded"]["chunks"] - x["data"]["leastLoaded"]["chunks"] == x["data"]["difference"]
    run_json(shardscope, "status", str(d))


def snapshot_with_data_sizes(shardscope, dest, sizes):
    """A `shardscope snapshot` of the demo whose sidecar says what $shardedDataDistribution answered: `sizes` bytes
    per shard for the first unzoned collection (the data-size rule only runs where that answer is known)."""
    proc = shardscope("snapshot", "demo", "--out", dest, "--quiet")
    assert proc.returncode == 0, proc.stderr
    zoned = {t["ns"] for t in load(dest / "config" / "tags.bson")}
    ns = next(c["_id"] for c in load(dest / "config" / "collections.bson") if c["_id"] not in zoned and not c.get("dropped"))
    shards = [s["_id"] for s in load(dest / "config" / "shards.bson")]
    side = json.loads((dest / "shardscope.json").read_text())
    side["shardedDataDistribution"] = [{"ns": ns, "shards": [
        {"shardName": s, "ownedSizeBytes": {"$numberLong": str(v)}, "orphanedSizeBytes": {"$numberLong": "0"},
         "numOwnedDocuments": {"$numberLong": "1"}, "numOrphanedDocs": {"$numberLong": "0"}} for s, v in zip(shards, sizes)]}]
    (dest / "shardscope.json").write_text(json.dumps(side))
    return ns


@pytest.mark.parametrize("where", ["settings", "collection"])
@pytest.mark.parametrize("value", [2**62, 2**63 - 1, -(2**63), 0])
def test_range_size_out_of_the_servers_bounds(shardscope, tmp_path, where, value):
    d = tmp_path / "d"
    ns = snapshot_with_data_sizes(shardscope, d, [2**40, 0])
    if where == "settings":                                  # config.settings chunksize, in MB
        path = d / "config" / "settings.bson"
        docs = [x for x in load(path) if x["_id"] != "chunksize"] + [{"_id": "chunksize", "value": bson.Int64(value)}]
    else:                                                    # the collection's own maxChunkSizeBytes
        path = d / "config" / "collections.bson"
        docs = load(path)
        for c in docs:
            if c["_id"] == ns:
                c["maxChunkSizeBytes"] = bson.Int64(value)
    save(path, docs)
    doc, _ = run_json(shardscope, "audit", str(d))
    f = [x for x in doc["findings"] if x["id"] == "distribution.data-imbalance" and x["subject"]["name"] == ns]
    # Clamped to what the server accepts (1 to 1024 MB): the threshold is 3 × that.
    mb = 1024 * 1024
    assert f and f[0]["data"]["thresholdBytes"] == 3 * (1024 * mb if value > 0 else mb)
    assert f[0]["data"]["differenceBytes"] == 2**40
    run_json(shardscope, "status", str(d))


@pytest.mark.parametrize("ms", [2**63 - 1, -(2**63)])
def test_changelog_dated_at_the_ends_of_int64(shardscope, dumps, tmp_path, ms):
    d = dumps.copy("7.0", tmp_path / "d")
    path = d / "config" / "changelog.bson"
    docs = load(path)
    ns = next(x["ns"] for x in docs if x.get("what", "").startswith("moveChunk"))
    docs.append({"_id": "end-of-time", "server": "cfg", "clientAddr": "", "time": DatetimeMS(ms),
                 "what": "moveChunk.error", "ns": ns, "details": {"min": {"x": 1}, "max": {"x": 2}, "errmsg": "boom"}})
    save(path, docs)
    doc, _ = run_json(shardscope, "audit", str(d))
    if ms > 0:
        # The entry is the newest, so the dump's asOf comes from it and it counts as a failed migration.
        newest = [x["data"]["newest"] for x in doc["findings"] if x["id"] == "migrations.failed"]
        assert "292278994-08-17T07:12:55.807Z" in newest
    status, _ = run_json(shardscope, "status", str(d))
    assert any(e.get("time") is not None for e in status["changelog"])
