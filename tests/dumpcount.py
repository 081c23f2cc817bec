"""An independent reading of a mongodump of the config database, with pymongo's
bson module only — no shardscope code. The tests compare `status --json` with it."""
import collections
import datetime
import gzip
import json
import pathlib

import bson
from bson import json_util
from bson.codec_options import CodecOptions, DatetimeConversion

OPTS = CodecOptions(datetime_conversion=DatetimeConversion.DATETIME_AUTO, tz_aware=True)
RELAXED = json_util.JSONOptions(json_mode=json_util.JSONMode.RELAXED, tz_aware=True)


def config_dir(path):
    path = pathlib.Path(path)
    return path / "config" if (path / "config").is_dir() else path


def read(path, coll):
    d = config_dir(path)
    if (d / f"{coll}.bson").exists():
        with open(d / f"{coll}.bson", "rb") as f:
            return list(bson.decode_file_iter(f, OPTS))
    if (d / f"{coll}.bson.gz").exists():
        with gzip.open(d / f"{coll}.bson.gz", "rb") as f:
            return list(bson.decode_file_iter(f, OPTS))
    return []


def doc_offsets(data):
    """Byte offsets and lengths of the documents in a .bson file's bytes."""
    out, pos = [], 0
    while pos + 4 <= len(data):
        n = int.from_bytes(data[pos:pos + 4], "little")
        out.append((pos, n))
        pos += n
    return out


def relaxed(value):
    """A BSON value as relaxed Extended JSON, parsed back into Python."""
    return json.loads(json_util.dumps(value, json_options=RELAXED))


def parse_time(v):
    """A JSON time as shardscope might print it: ISO string, {"$date": ...}, or ms."""
    if isinstance(v, dict) and "$date" in v:
        v = v["$date"]
        if isinstance(v, dict) and "$numberLong" in v:
            v = int(v["$numberLong"])
    if isinstance(v, (int, float)):
        return datetime.datetime.fromtimestamp(v / 1000, datetime.timezone.utc)
    if isinstance(v, str):
        s = v.replace("Z", "+00:00")
        t = datetime.datetime.fromisoformat(s)
        if t.tzinfo is None:
            t = t.replace(tzinfo=datetime.timezone.utc)
        return t
    raise AssertionError(f"unrecognised time value {v!r}")


def ms(t):
    return int(round(t.timestamp() * 1000))


class Expected:
    def __init__(self, path):
        self.path = path
        self.shards = read(path, "shards")
        self.databases = read(path, "databases")
        self.colls_raw = read(path, "collections")
        self.chunks = read(path, "chunks")
        self.tags = read(path, "tags")
        self.mongos = read(path, "mongos")
        self.settings = {d.get("_id"): d for d in read(path, "settings")}
        self.version = read(path, "version")
        self.changelog = read(path, "changelog")
        self.collections = [c for c in self.colls_raw
                            if c.get("dropped") is not True and c.get("unsplittable") is not True]
        self._count()

    def _count(self):
        by_uuid, by_ns = {}, {}
        for c in self.collections:
            if "timestamp" in c:          # 5.0+: chunks keyed by the collection's uuid
                by_uuid[bytes(c["uuid"])] = c["_id"]
            else:                          # <= 4.4: chunks carry the namespace
                by_ns[c["_id"]] = c["_id"]
        self.per_shard = {c["_id"]: collections.Counter() for c in self.collections}
        self.jumbo = collections.Counter()
        self.unmatched = 0
        for ch in self.chunks:
            ns = None
            if ch.get("uuid") is not None and bytes(ch["uuid"]) in by_uuid:
                ns = by_uuid[bytes(ch["uuid"])]
            elif ch.get("ns") in by_ns:
                ns = by_ns[ch["ns"]]
            if ns is None:
                self.unmatched += 1
                continue
            self.per_shard[ns][ch["shard"]] += 1
            if ch.get("jumbo") is True:
                self.jumbo[ns] += 1

    # -- expectations in the JSON contract's terms
    def cluster_id(self):
        for v in self.version:
            if "clusterId" in v:
                return str(v["clusterId"])
        return None

    def zones_of(self, ns):
        return sorted((json.dumps({"zone": t["tag"], "min": relaxed(t["min"]), "max": relaxed(t["max"])}, sort_keys=True)
                       for t in self.tags if t.get("ns") == ns))

    def newest_ping(self):
        pings = [m["ping"] for m in self.mongos if isinstance(m.get("ping"), datetime.datetime)]
        return max(pings) if pings else None

    def changelog_newest(self, n):
        entries = sorted(self.changelog, key=lambda d: d["time"], reverse=True)
        return entries[:n]
