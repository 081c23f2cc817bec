#!/usr/bin/env python3
"""testpeer — a fake mongos on 127.0.0.1 that serves the config database of a
mongodump directory, for shardscope's live tests.

    python3 scripts/testpeer.py --dump DIR [--port 0] [--port-file F] [--log FILE]
                                [--delay SECONDS] [--auth USER:PASS] [--version 7.0.14]
                                [--watch-dir DIR] [--stats FILE]

* Wire protocol: mockupdb (OP_MSG, and legacy OP_QUERY for libmongoc's isMaster).
* Documents: every `<coll>.bson` / `<coll>.bson.gz` of DIR (the `config/` folder of
  a dump or its parent), read with bson.decode_file_iter and kept in memory.
* Plain finds (equality, $gt/$gte/$lt/$lte/$in/$nin/$ne/$exists/$and/$or/$nor, on
  fields and on embedded shard-key documents compared in BSON order) are served
  from those lists with our own BSON-order comparison; mongomock is only used as a
  fallback for other query operators and for aggregation stages we do not handle
  ourselves ($project, $addFields, $unwind ...). $match, $sort and simple $group run
  here because mongomock is slow on large collections and cannot order MinKey,
  MaxKey or Timestamp (we also teach its comparison BSON's type order).
* Real cursors: first batch, getMore, killCursors.
* It logs EVERY command received as one JSON line to --log (flushed at once):
  {"command", "db", "collection"?, "pipeline_stages"?, "filter"?}; for a find with
  a filter, "filter" maps each top-level key to its operators (["$gt"]) or "$eq".
* --delay sleeps before every reply except the handshake and authentication.
* --auth USER:PASS: SCRAM/legacy authentication is always rejected with
  AuthenticationFailed (code 18); authMechanism=PLAIN with the right USER:PASS
  succeeds (so a test can make a successful run with a password in the URI).
* --config-hosts RS/H:P,… (test-only): getShardMap answers {map: {config: RS/H:P,…}};
  without it getShardMap is CommandNotFound. --default-write-concern JSON (test-only):
  getDefaultRWConcern answers that defaultWriteConcern with source "global".
* --watch-dir DIR (test-only, to make the cluster change while it is watched):
  every 0.5 s, each `<coll>.bson` dropped in DIR is read, its documents are
  appended to config.<coll>, and the file is deleted. Drop files atomically
  (write another name, then rename to `<coll>.bson`).
* --stats FILE: counts requests and bytes per command (keyed "command collection",
  e.g. "aggregate chunks", "find shards"; handshakes as "hello"/"isMaster"):
  {key: {"requests", "bytes_in", "bytes_out"}}, bytes of the BSON command document
  received and of the reply message sent; rewritten atomically after every reply.
* listCollections / listIndexes on config answer from each collection's
  `<coll>.metadata.json[.gz]` in DIR (mongodump's file: options, uuid, indexes),
  else a generated uuid and the `_id` index; listIndexes of a collection that is
  not in DIR fails with NamespaceNotFound (26), as a server does.
* --drop-after-docs N (test-only, for interrupted snapshots): once more than N
  documents in total have been put in find/getMore batches, the peer closes the
  connection instead of sending such a batch (every later one too).
* Exits cleanly (status 0) on SIGTERM or SIGINT.
"""
import argparse
import base64
import datetime
import gzip
import itertools
import json
import os
import random
import re
import signal
import socket
import sys
import threading
import traceback
import uuid

import bson
from bson import ObjectId
from bson.binary import Binary
from bson.code import Code
from bson.codec_options import CodecOptions, DatetimeConversion
from bson.datetime_ms import DatetimeMS
from bson.dbref import DBRef
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.raw_bson import RawBSONDocument
from bson.regex import Regex
from bson.timestamp import Timestamp
from bson import json_util as bson_json_util

import mockupdb
import mongomock.aggregate as mm_aggregate
import mongomock.filtering as mm_filtering

DECODE_OPTS = CodecOptions(datetime_conversion=DatetimeConversion.DATETIME_AUTO)
RAW_OPTS = CodecOptions(document_class=RawBSONDocument)
MAX_BATCH_BYTES = 16 * 1024 * 1024 - 64 * 1024
DEFAULT_FIRST_BATCH = 101
HANDSHAKE = {"hello", "ismaster"}           # compared lower-case
AUTH = {"saslstart", "saslcontinue", "authenticate", "getnonce"}


class Unsupported(Exception):
    """A query shape our own matcher does not handle: fall back to mongomock."""


class CommandError(Exception):
    def __init__(self, code, code_name, errmsg):
        super().__init__(errmsg)
        self.code, self.code_name, self.errmsg = code, code_name, errmsg


# ---------------------------------------------------------------- BSON order

_EPOCH = datetime.datetime(1970, 1, 1)
_EPOCH_TZ = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def type_rank(v):
    """BSON canonical type order (bsontypes.h canonicalizeBSONType)."""
    if isinstance(v, MinKey):
        return 1
    if v is None:
        return 5
    if isinstance(v, bool):
        return 40
    if isinstance(v, (int, float, Decimal128)):
        return 10
    if isinstance(v, Code):
        return 60
    if isinstance(v, str):
        return 15
    if isinstance(v, DBRef):
        return 20
    if isinstance(v, dict):
        return 20
    if isinstance(v, (list, tuple)):
        return 25
    if isinstance(v, (bytes, uuid.UUID)):
        return 30
    if isinstance(v, ObjectId):
        return 35
    if isinstance(v, (datetime.datetime, DatetimeMS)):
        return 45
    if isinstance(v, Timestamp):
        return 47
    if isinstance(v, (Regex, re.Pattern)):
        return 50
    if isinstance(v, MaxKey):
        return 127
    return 100


def bkey(v):
    """A Python sort key that orders values the way MongoDB's BSON comparison does."""
    r = type_rank(v)
    if r == 10:
        if isinstance(v, Decimal128):
            v = v.to_decimal()
        return (10, v)
    if r == 15:
        return (15, v)
    if r == 20:
        if isinstance(v, DBRef):
            v = v.as_doc()
        return (20, tuple((type_rank(x), k, bkey(x)) for k, x in v.items()))
    if r == 25:
        return (25, tuple(bkey(x) for x in v))
    if r == 30:
        if isinstance(v, uuid.UUID):
            return (30, 16, 4, v.bytes)
        sub = v.subtype if isinstance(v, Binary) else 0
        return (30, len(v), sub, bytes(v))
    if r == 35:
        return (35, v.binary)
    if r == 40:
        return (40, v)
    if r == 45:
        if isinstance(v, DatetimeMS):
            return (45, int(v))
        if v.tzinfo is None:
            d = v - _EPOCH
        else:
            d = v - _EPOCH_TZ
        return (45, (d.days * 86400 + d.seconds) * 1000 + d.microseconds // 1000)
    if r == 47:
        return (47, v.time, v.inc)
    if r == 50:
        if isinstance(v, re.Pattern):
            v = Regex.from_native(v)
        return (50, v.pattern, str(v.flags))
    if r == 60:
        return (60, str(v))
    if r == 100:
        return (100, repr(v))
    return (r,)


def _mm_compare_type(val):
    """mongomock's _get_compare_type, taught BSON's full type order."""
    if isinstance(val, (MinKey, MaxKey, Timestamp, Decimal128, DatetimeMS, Code)):
        return type_rank(val)
    return _orig_compare_type(val)


_orig_compare_type = mm_filtering._get_compare_type
mm_filtering._get_compare_type = _mm_compare_type


# ---------------------------------------------------------------- matching

def resolve(doc, path):
    """Candidate values of a dotted path (arrays traversed as MongoDB does)."""
    cands = [doc]
    for part in path.split("."):
        nxt = []
        for c in cands:
            if isinstance(c, dict):
                if part in c:
                    nxt.append(c[part])
            elif isinstance(c, list):
                if part.isdigit() and int(part) < len(c):
                    nxt.append(c[int(part)])
                for e in c:
                    if isinstance(e, dict) and part in e:
                        nxt.append(e[part])
        cands = nxt
        if not cands:
            break
    return cands


def _leaf_values(cands):
    out = []
    for c in cands:
        out.append(c)
        if isinstance(c, list):
            out.extend(c)
    return out


def _eq(cands, q):
    if q is None and not cands:
        return True
    if isinstance(q, (Regex, re.Pattern)):
        raise Unsupported("regex")
    qk = bkey(q)
    return any(bkey(x) == qk for x in _leaf_values(cands))


_RANGE = {
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
}


def _range(cands, op, q):
    qr = type_rank(q)
    qk = bkey(q)
    f = _RANGE[op]
    for x in _leaf_values(cands):
        xr = type_rank(x)
        if xr != qr and qr not in (1, 127):   # type bracketing
            continue
        if f(bkey(x), qk):
            return True
    return False


def matches(doc, filt):
    for k, cond in filt.items():
        if k == "$and":
            if not all(matches(doc, f) for f in cond):
                return False
            continue
        if k == "$or":
            if not any(matches(doc, f) for f in cond):
                return False
            continue
        if k == "$nor":
            if any(matches(doc, f) for f in cond):
                return False
            continue
        if k == "$comment":
            continue
        if k.startswith("$"):
            raise Unsupported(k)
        cands = resolve(doc, k)
        if isinstance(cond, dict) and cond and all(str(o).startswith("$") for o in cond):
            for op, q in cond.items():
                if op == "$eq":
                    ok = _eq(cands, q)
                elif op == "$ne":
                    ok = not _eq(cands, q)
                elif op in _RANGE:
                    ok = _range(cands, op, q)
                elif op == "$in":
                    ok = any(_eq(cands, x) for x in q)
                elif op == "$nin":
                    ok = not any(_eq(cands, x) for x in q)
                elif op == "$exists":
                    ok = bool(cands) == bool(q)
                else:
                    raise Unsupported(op)
                if not ok:
                    return False
        elif not _eq(cands, cond):
            return False
    return True


def filter_docs(items, filt, get=lambda it: it):
    """items filtered by a MongoDB query; our matcher, else mongomock's."""
    if not filt:
        return list(items)
    try:
        return [it for it in items if matches(get(it), filt)]
    except Unsupported:
        return [it for it in items if mm_filtering.filter_applies(filt, get(it))]


def _sort_value(doc, path, direction):
    cands = resolve(doc, path)
    if not cands:
        return (5,)
    v = cands[0]
    if isinstance(v, list):
        if not v:
            return (0,)
        ks = [bkey(x) for x in v]
        return min(ks) if direction > 0 else max(ks)
    return bkey(v)


def sort_docs(items, spec, get=lambda it: it):
    items = list(items)
    for path, direction in reversed(list(spec.items())):
        if isinstance(direction, dict):
            continue  # {$meta: ...}: ignore
        d = 1 if direction >= 0 else -1
        items.sort(key=lambda it: _sort_value(get(it), path, d), reverse=d < 0)
    return items


# ---------------------------------------------------------------- projection

def _tree(paths):
    tree = {}
    for p in paths:
        node = tree
        parts = p.split(".")
        for part in parts[:-1]:
            nxt = node.get(part)
            if nxt is True:
                break
            node = node.setdefault(part, {})
        else:
            node[parts[-1]] = True
    return tree


def _include(doc, tree):
    out = {}
    for k, v in doc.items():
        if k not in tree:
            continue
        sub = tree[k]
        if sub is True:
            out[k] = v
        elif isinstance(v, dict):
            out[k] = _include(v, sub)
        elif isinstance(v, list):
            out[k] = [_include(e, sub) for e in v if isinstance(e, dict)]
    return out


def _exclude(doc, tree):
    out = {}
    for k, v in doc.items():
        if k in tree:
            sub = tree[k]
            if sub is True:
                continue
            if isinstance(v, dict):
                v = _exclude(v, sub)
            elif isinstance(v, list):
                v = [_exclude(e, sub) if isinstance(e, dict) else e for e in v]
        out[k] = v
    return out


def make_projector(proj):
    if not proj:
        return None
    for v in proj.values():
        if isinstance(v, (dict, list, str)):
            raise CommandError(2, "BadValue", "testpeer: projection operators/expressions are not supported")
    fields = {k: bool(v) for k, v in proj.items()}
    id_flag = fields.pop("_id", None)
    inclusion = any(fields.values())
    if inclusion and not all(fields.values()):
        raise CommandError(31254, "Location31254", "Cannot do exclusion on field in inclusion projection")
    if inclusion:
        paths = [k for k in fields]
        if id_flag is not False:
            paths.append("_id")
        tree = _tree(paths)
        return lambda d: _include(d, tree)
    paths = [k for k in fields]
    if id_flag is False:
        paths.append("_id")
    tree = _tree(paths)
    return lambda d: _exclude(d, tree)


# ---------------------------------------------------------------- fast $group

def _expr(e):
    """Compile a small subset of aggregation expressions; Unsupported otherwise."""
    if isinstance(e, str):
        if e.startswith("$$"):
            raise Unsupported(e)
        if e.startswith("$"):
            path = e[1:]
            if "." not in path:
                return lambda d: d.get(path)

            def get_path(d):
                c = resolve(d, path)
                return c[0] if c else None
            return get_path
        return lambda d: e
    if isinstance(e, dict):
        if len(e) == 1:
            (op, args), = e.items()
            if op == "$literal":
                return lambda d: args
            if op == "$cond":
                if isinstance(args, dict):
                    args = [args["if"], args["then"], args["else"]]
                c, t, f = (_expr(a) for a in args)
                return lambda d: t(d) if _truthy(c(d)) else f(d)
            if op == "$ifNull":
                a, b = (_expr(x) for x in args)

                def if_null(d):
                    v = a(d)
                    return b(d) if v is None else v
                return if_null
            if op in ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte"):
                a, b = (_expr(x) for x in args)
                cmp = {"$eq": lambda x, y: x == y, "$ne": lambda x, y: x != y,
                       "$gt": lambda x, y: x > y, "$gte": lambda x, y: x >= y,
                       "$lt": lambda x, y: x < y, "$lte": lambda x, y: x <= y}[op]
                return lambda d: cmp(bkey(a(d)), bkey(b(d)))
            if op == "$and":
                fs = [_expr(x) for x in args]
                return lambda d: all(_truthy(f(d)) for f in fs)
            if op == "$or":
                fs = [_expr(x) for x in args]
                return lambda d: any(_truthy(f(d)) for f in fs)
            if op == "$not":
                f = _expr(args[0] if isinstance(args, list) else args)
                return lambda d: not _truthy(f(d))
            if op.startswith("$"):
                raise Unsupported(op)
        if any(str(k).startswith("$") for k in e):
            raise Unsupported("expression")
        parts = [(k, _expr(v)) for k, v in e.items()]
        return lambda d: {k: f(d) for k, f in parts}
    if isinstance(e, list):
        fs = [_expr(x) for x in e]
        return lambda d: [f(d) for f in fs]
    return lambda d: e


def _truthy(v):
    return v not in (None, False, 0) and not (isinstance(v, float) and v == 0.0)


def _hashable(v):
    return bkey(v)


def fast_group(docs, spec):
    key_f = _expr(spec["_id"])
    accs = []
    for field, acc in spec.items():
        if field == "_id":
            continue
        if not isinstance(acc, dict) or len(acc) != 1:
            raise Unsupported("accumulator")
        (op, arg), = acc.items()
        if op not in ("$sum", "$min", "$max", "$first", "$last", "$push", "$addToSet", "$count", "$avg"):
            raise Unsupported(op)
        accs.append((field, op, _expr(arg) if op != "$count" else None))
    groups = {}
    order = []
    for d in docs:
        k = key_f(d)
        hk = _hashable(k)
        g = groups.get(hk)
        if g is None:
            g = groups[hk] = {"_id": k, "_state": {}}
            order.append(hk)
        st = g["_state"]
        for field, op, f in accs:
            if op == "$count":
                st[field] = st.get(field, 0) + 1
                continue
            v = f(d)
            if op == "$sum":
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    st[field] = st.get(field, 0) + v
                else:
                    st.setdefault(field, 0)
            elif op == "$avg":
                s = st.setdefault(field, [0, 0])
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    s[0] += v
                    s[1] += 1
            elif op in ("$min", "$max"):
                if v is None:
                    st.setdefault(field, None)
                    continue
                cur = st.get(field)
                if cur is None or (bkey(v) < bkey(cur) if op == "$min" else bkey(v) > bkey(cur)):
                    st[field] = v
            elif op == "$first":
                if field not in st:
                    st[field] = v
            elif op == "$last":
                st[field] = v
            elif op == "$push":
                st.setdefault(field, []).append(v)
            elif op == "$addToSet":
                lst = st.setdefault(field, [])
                if all(bkey(x) != bkey(v) for x in lst):
                    lst.append(v)
    out = []
    for hk in order:
        g = groups[hk]
        doc = {"_id": g["_id"]}
        for field, op, _ in accs:
            v = g["_state"].get(field)
            if op == "$avg":
                v = (v[0] / v[1]) if v and v[1] else None
            elif op in ("$sum", "$count") and v is None:
                v = 0
            doc[field] = v
        out.append(doc)
    return out


_orig_group = mm_aggregate._PIPELINE_HANDLERS["$group"]


def _group_stage(coll, db, options):
    try:
        return fast_group(coll, options)
    except Unsupported:
        return _orig_group(coll, db, options)


mm_aggregate._PIPELINE_HANDLERS["$match"] = lambda coll, db, options: filter_docs(coll, options)
mm_aggregate._PIPELINE_HANDLERS["$sort"] = lambda coll, db, options: sort_docs(coll, options)
mm_aggregate._PIPELINE_HANDLERS["$group"] = _group_stage


# ---------------------------------------------------------------- the data

def load_dump(path):
    """{collection name: (list of raw bytes, list of decoded dicts)}."""
    if os.path.isdir(os.path.join(path, "config")):
        path = os.path.join(path, "config")
    colls = {}
    for name in sorted(os.listdir(path)):
        if name.endswith(".bson"):
            coll, opener = name[:-5], open
        elif name.endswith(".bson.gz"):
            coll, opener = name[:-8], gzip.open
        else:
            continue
        if coll in colls:
            continue
        with opener(os.path.join(path, name), "rb") as f:
            raws = [r.raw for r in bson.decode_file_iter(f, RAW_OPTS)]
        docs = [bson.decode(r, DECODE_OPTS) for r in raws]
        colls[coll] = (raws, docs)
    if not colls:
        raise SystemExit(f"testpeer: no .bson files in {path}")
    return colls


def load_metadata(path):
    """{collection name: the document of its <coll>.metadata.json[.gz]} (mongodump's files; absent ones skipped)."""
    if os.path.isdir(os.path.join(path, "config")):
        path = os.path.join(path, "config")
    meta = {}
    for name in sorted(os.listdir(path)):
        for suffix, opener in ((".metadata.json", open), (".metadata.json.gz", gzip.open)):
            if name.endswith(suffix) and name[:-len(suffix)] not in meta:
                with opener(os.path.join(path, name), "rb") as f:
                    meta[name[:-len(suffix)]] = bson_json_util.loads(f.read().decode("utf-8"))
    return meta


def send_reply(request, doc):
    """Send one reply document. (mockupdb's Request.replies formats the whole
    reply with repr() for its verbose log even when not verbose: far too slow
    for 16 MB batches, so the bytes are built and sent here.)"""
    if isinstance(request, mockupdb.OpMsg):
        msg = mockupdb.OpMsgReply(doc)
    else:
        msg = mockupdb.OpReply(doc)
    data = msg.reply_bytes(request)
    request._client.sendall(data)
    return len(data)


class Cursor:
    def __init__(self, cid, ns, items, limit, single):
        self.id, self.ns, self.items = cid, ns, items
        self.pos = 0
        self.remaining = limit  # None = unlimited
        self.single = single

    def batch(self, n):
        """Next batch of at most n documents (n None = up to 16 MB)."""
        out, size = [], 0
        while self.pos < len(self.items):
            if n is not None and len(out) >= n:
                break
            if self.remaining is not None and self.remaining <= 0:
                break
            item = self.items[self.pos]
            if isinstance(item, bytes):
                isz, doc = len(item), RawBSONDocument(item)
            else:
                enc = bson.encode(item)
                isz, doc = len(enc), RawBSONDocument(enc)
            if out and size + isz > MAX_BATCH_BYTES:
                break
            out.append(doc)
            size += isz
            self.pos += 1
            if self.remaining is not None:
                self.remaining -= 1
        return out

    @property
    def exhausted(self):
        return self.single or self.pos >= len(self.items) or (
            self.remaining is not None and self.remaining <= 0)


class Peer:
    def __init__(self, args):
        self.args = args
        self.colls = load_dump(args.dump)
        self.meta = load_metadata(args.dump)
        self.docs_served = 0
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.cursors = {}
        self.indexes = {}
        self.conn_ids = itertools.count(1)
        self.process_id = ObjectId()
        self.log_lock = threading.Lock()
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None
        self.stats = {} if getattr(args, "stats", None) else None
        self.auth = tuple(args.auth.split(":", 1)) if args.auth else None
        vparts = [int(p) for p in re.findall(r"\d+", args.version)[:3]]
        self.version_array = (vparts + [0, 0, 0])[:3] + [0]
        # The peer replays the dumped cluster at the moment of the dump: its clock
        # (hello's localTime) is the newest time in the dump -- mongos pings, changelog
        # and balancer rounds, the same rule shardscope uses to date a dump -- so every
        # time-relative field (ping ages, stale flags, "now in the balancer window")
        # reads the same live as it does from the dump itself.
        times = [d.get(field) for coll, field in (("mongos", "ping"), ("changelog", "time"), ("actionlog", "time"))
                 for d in self.colls.get(coll, ([], []))[1]
                 if isinstance(d.get(field), datetime.datetime)
                 and (coll != "actionlog" or d.get("what") == "balancer.round")]
        self.local_time = max(times) if times else datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)

    # -- --watch-dir
    def append_from(self, watch_dir):
        """Appends the documents of every <coll>.bson in watch_dir to config.<coll>, then deletes the file."""
        for name in sorted(os.listdir(watch_dir)):
            if not name.endswith(".bson"):
                continue
            path = os.path.join(watch_dir, name)
            with open(path, "rb") as f:
                raws = [r.raw for r in bson.decode_file_iter(f, RAW_OPTS)]
            os.unlink(path)
            docs = [bson.decode(r, DECODE_OPTS) for r in raws]
            coll = name[:-5]
            with self.lock:
                old_raws, old_docs = self.colls.get(coll, ([], []))
                # New lists: a find in progress keeps the ones it started with.
                self.colls[coll] = (old_raws + raws, old_docs + docs)
                self.indexes = {k: v for k, v in self.indexes.items() if k[1] != coll}
            for d in docs:
                t = d.get("time")
                if coll in ("changelog", "actionlog") and isinstance(t, datetime.datetime) and t > self.local_time:
                    self.local_time = t

    def watch(self, watch_dir):
        while not self.stop_event.wait(0.5):
            try:
                self.append_from(watch_dir)
            except Exception:
                traceback.print_exc(file=sys.stderr)

    # -- log
    def log_command(self, entry):
        if not self.log:
            return
        line = json.dumps(entry, default=str)
        with self.log_lock:
            self.log.write(line + "\n")
            self.log.flush()

    # -- dispatch
    def handle(self, request):
        server = request.server
        # mockupdb runs handlers holding its server-wide lock; release it so a
        # slow (delayed) reply on one connection does not block the others.
        with server._unlock():
            try:
                self._handle(request)
            except Exception as e:  # never kill the connection thread
                traceback.print_exc(file=sys.stderr)
                try:
                    send_reply(request, {"ok": 0, "code": 1, "codeName": "InternalError",
                                         "errmsg": f"testpeer: {e}"})
                except Exception:
                    pass
        return True

    def _handle(self, request):
        if not isinstance(request, mockupdb.CommandBase):
            self.log_command({"command": type(request).__name__.upper().replace("OP", "OP_", 1),
                              "db": (request.namespace or "").split(".")[0]})
            if isinstance(request, (mockupdb.OpQuery, mockupdb.OpGetMore)):
                request.fail("testpeer: legacy opcodes are not supported", code=5739101)
            return
        doc = request.doc
        if "$query" in doc and isinstance(doc["$query"], dict):
            doc = doc["$query"]
        name = next(iter(doc), "")
        db = doc.get("$db") or request.namespace or ""
        entry = {"command": name, "db": db}
        first = doc.get(name)
        if name == "getMore":
            entry["collection"] = doc.get("collection")
        elif isinstance(first, str):
            entry["collection"] = first
        if name == "aggregate":
            pipeline = doc.get("pipeline") or []
            entry["pipeline_stages"] = [next(iter(s), None) for s in pipeline if isinstance(s, dict)]
        if name == "find" and isinstance(doc.get("filter"), dict) and doc["filter"]:
            entry["filter"] = {k: sorted(v) if isinstance(v, dict) and v and all(str(o).startswith("$") for o in v)
                               else "$eq" for k, v in doc["filter"].items()}
        self.log_command(entry)

        lname = name.lower()
        if lname not in HANDSHAKE and lname not in AUTH and self.args.delay > 0:
            if self.stop_event.wait(self.args.delay):
                return
        try:
            reply = self.dispatch(lname, name, doc, db, request)
        except CommandError as e:
            reply = {"ok": 0, "errmsg": e.errmsg, "code": e.code, "codeName": e.code_name}
        if reply is not None:
            reply.setdefault("ok", 1.0)
            sent = send_reply(request, reply)
            if self.stats is not None:
                self.count_command(entry, request.doc, sent)

    def count_command(self, entry, doc, sent):
        key = entry["command"] + (f" {entry['collection']}" if entry.get("collection") else "")
        received = len(bson.encode(doc))
        with self.log_lock:
            s = self.stats.setdefault(key, {"requests": 0, "bytes_in": 0, "bytes_out": 0})
            s["requests"] += 1
            s["bytes_in"] += received
            s["bytes_out"] += sent
            tmp = self.args.stats + ".tmp"
            with open(tmp, "w") as f:
                json.dump(self.stats, f, sort_keys=True)
            os.replace(tmp, self.args.stats)

    def dispatch(self, lname, name, doc, db, request):
        if lname in HANDSHAKE:
            return self.hello(lname, doc)
        if lname in AUTH:
            return self.authenticate(lname, doc)
        if lname == "ping":
            return {}
        if lname == "buildinfo":
            return {"version": self.args.version, "gitVersion": "0" * 40,
                    "versionArray": self.version_array, "bits": 64, "debug": False,
                    "maxBsonObjectSize": 16777216, "modules": [], "javascriptEngine": "mozjs",
                    "storageEngines": ["devnull", "wiredTiger"]}
        if lname == "balancerstatus":
            return self.balancer_status()
        if lname == "getdefaultrwconcern":
            wc = getattr(self.args, "default_write_concern", None)
            return {"defaultReadConcern": {"level": "local"},
                    "defaultWriteConcern": json.loads(wc) if wc else {"w": "majority", "wtimeout": 0},
                    "defaultReadConcernSource": "implicit",
                    "defaultWriteConcernSource": "global" if wc else "implicit",
                    "localUpdateWallClockTime": self.local_time}
        if lname == "getshardmap" and getattr(self.args, "config_hosts", None):
            return {"map": {"config": self.args.config_hosts}}
        if lname == "endsessions":
            return {}
        if lname == "find":
            return self.drop_midway(request, self.find(doc, db))
        if lname == "aggregate":
            return self.aggregate(doc, db)
        if lname == "getmore":
            return self.drop_midway(request, self.get_more(doc, db))
        if lname == "killcursors":
            return self.kill_cursors(doc)
        if lname == "listcollections":
            return self.list_collections(doc, db)
        if lname == "listindexes":
            return self.list_indexes(doc, db)
        raise CommandError(59, "CommandNotFound", f"no such command: '{name}'")

    # -- commands
    def hello(self, lname, doc):
        awaited = doc.get("topologyVersion") is not None and doc.get("maxAwaitTimeMS") is not None
        if awaited:
            # Awaitable hello (streaming monitor): the topology never changes, so
            # wait out maxAwaitTimeMS like a real server instead of spinning.
            if self.stop_event.wait(min(float(doc["maxAwaitTimeMS"]) / 1000.0, 10.0)):
                return None
        reply = {}
        if lname == "hello":
            reply["isWritablePrimary"] = True
        else:
            reply["ismaster"] = True
        if doc.get("helloOk"):
            reply["helloOk"] = True
        reply.update({
            "msg": "isdbgrid",
            "topologyVersion": {"processId": self.process_id, "counter": Int64(0)},
            "maxBsonObjectSize": 16777216,
            "maxMessageSizeBytes": 48000000,
            "maxWriteBatchSize": 100000,
            "localTime": self.local_time,
            "logicalSessionTimeoutMinutes": 30,
            "connectionId": next(self.conn_ids),
            "maxWireVersion": 17,
            "minWireVersion": 0,
            "readOnly": False,
        })
        if doc.get("saslSupportedMechs") and self.auth:
            reply["saslSupportedMechs"] = ["SCRAM-SHA-1", "SCRAM-SHA-256", "PLAIN"]
        return reply

    def authenticate(self, lname, doc):
        failed = CommandError(18, "AuthenticationFailed", "Authentication failed.")
        if lname == "saslstart" and self.auth and doc.get("mechanism") == "PLAIN":
            payload = doc.get("payload") or b""
            if isinstance(payload, str):          # libmongoc sends base64 text
                try:
                    payload = base64.b64decode(payload)
                except ValueError:
                    payload = payload.encode()
            payload = bytes(payload)
            parts = payload.split(b"\0")
            if len(parts) == 3:
                user, pw = parts[1].decode("utf-8", "replace"), parts[2].decode("utf-8", "replace")
                if (user, pw) == self.auth:
                    return {"conversationId": 1, "done": True, "payload": Binary(b"")}
        raise failed

    def balancer_status(self):
        settings = {d.get("_id"): d for d in self.colls.get("settings", ([], []))[1]}
        bal = settings.get("balancer", {})
        if bal.get("stopped") is True or bal.get("mode") == "off":
            mode = "off"
        else:
            mode = bal.get("mode") or "full"
        rounds = sum(1 for d in self.colls.get("actionlog", ([], []))[1] if d.get("what") == "balancer.round")
        return {"mode": mode, "inBalancerRound": False, "numBalancerRounds": Int64(rounds)}

    def _collection(self, db, coll):
        if db != "config" or coll not in self.colls:
            return [], []
        return self.colls[coll]

    def _candidates(self, db, coll, filt):
        """Positions that can match filt: narrowed through an equality index on
        the first top-level field compared for plain equality to a scalar (e.g.
        config.chunks {uuid: ...} or {ns: ...}), else every position."""
        _, docs = self._collection(db, coll)
        for field, cond in (filt or {}).items():
            if field.startswith("$") or "." in field:
                continue
            if isinstance(cond, dict) and len(cond) == 1 and "$eq" in cond:
                cond = cond["$eq"]
            if cond is None or isinstance(cond, (dict, list, Regex, re.Pattern)):
                continue
            key = (db, coll, field)
            with self.lock:
                current = self._collection(db, coll)[1] is docs   # else --watch-dir appended meanwhile
                index = self.indexes.get(key) if current else None
                if index is None:
                    index = {}
                    for i, d in enumerate(docs):
                        if field not in d:
                            continue
                        v = d[field]
                        ks = {bkey(v)}
                        if isinstance(v, list):
                            ks.update(bkey(e) for e in v)
                        for k in ks:
                            index.setdefault(k, []).append(i)
                    if current:
                        self.indexes[key] = index
            rest = {k: v for k, v in filt.items() if k != field}
            return index.get(bkey(cond), []), rest
        return range(len(docs)), filt

    def _new_cursor(self, ns, items, limit, single, first_batch_size):
        cid = Int64(random.randint(1, 2 ** 62))
        cur = Cursor(cid, ns, items, limit, single)
        batch = cur.batch(first_batch_size)
        if cur.exhausted:
            cid = Int64(0)
        else:
            with self.lock:
                self.cursors[cid] = cur
        return {"cursor": {"firstBatch": batch, "id": cid, "ns": ns}}

    def find(self, doc, db):
        coll = doc.get("find")
        if not isinstance(coll, str):
            raise CommandError(2, "BadValue", "find: collection name must be a string")
        raws, docs = self._collection(db, coll)
        filt = doc.get("filter") or {}
        cands, rest = self._candidates(db, coll, filt)
        idx = filter_docs(cands, rest, get=lambda i: docs[i])
        sort = doc.get("sort")
        if sort:
            idx = sort_docs(idx, sort, get=lambda i: docs[i])
        skip = int(doc.get("skip") or 0)
        if skip:
            idx = idx[skip:]
        limit = doc.get("limit")
        single = bool(doc.get("singleBatch"))
        if limit is not None:
            limit = int(limit)
            if limit < 0:
                limit, single = -limit, True
            if limit == 0:
                limit = None
        projector = make_projector(doc.get("projection"))
        if projector:
            items = [projector(docs[i]) for i in idx]
        else:
            items = [raws[i] for i in idx]
        bs = doc.get("batchSize")
        first = int(bs) if bs is not None else DEFAULT_FIRST_BATCH
        if limit is not None:
            first = min(first, limit)
        return self._new_cursor(f"{db}.{coll}", items, limit, single, first)

    def aggregate(self, doc, db):
        target = doc.get("aggregate")
        pipeline = list(doc.get("pipeline") or [])
        for stage in pipeline:
            name = next(iter(stage), None) if isinstance(stage, dict) else None
            if name == "$shardedDataDistribution":
                raise CommandError(40324, "Location40324",
                                   "Unrecognized pipeline stage name: '$shardedDataDistribution'")
            if name in ("$out", "$merge"):
                raise CommandError(13, "Unauthorized", f"testpeer is read-only: {name} refused")
            if name not in mm_aggregate._PIPELINE_HANDLERS:
                raise CommandError(40324, "Location40324", f"Unrecognized pipeline stage name: '{name}'")
        if isinstance(target, str):
            _, docs = self._collection(db, target)
            ns = f"{db}.{target}"
        else:
            docs, ns = [], f"{db}.$cmd.aggregate"
        # leading $match stages run on our lists without copying
        while pipeline and "$match" in pipeline[0]:
            docs = filter_docs(docs, pipeline.pop(0)["$match"])
        if pipeline:
            try:
                result = list(mm_aggregate.process_pipeline([dict(d) for d in docs], None, pipeline, None))
            except NotImplementedError as e:
                raise CommandError(40324, "Location40324", f"testpeer: {e}")
            except Exception as e:
                raise CommandError(2, "BadValue", f"testpeer: aggregation failed: {e}")
        else:
            result = docs
        cursor_opts = doc.get("cursor") or {}
        bs = cursor_opts.get("batchSize")
        first = int(bs) if bs is not None else DEFAULT_FIRST_BATCH
        return self._new_cursor(ns, list(result), None, False, first)

    def drop_midway(self, request, reply):
        """--drop-after-docs: close the connection instead of sending a batch past the limit."""
        limit = getattr(self.args, "drop_after_docs", None)
        if limit is None:
            return reply
        cur = reply.get("cursor") or {}
        batch = cur.get("firstBatch", cur.get("nextBatch")) or []
        with self.lock:
            self.docs_served += len(batch)
            drop = self.docs_served > limit
        if not drop:
            return reply
        try:
            request._client.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        request._client.close()
        return None

    def list_collections(self, doc, db):
        items = []
        if db == "config":
            for name in sorted(self.colls):
                m = self.meta.get(name, {})
                u = m.get("uuid")
                u = uuid.UUID(hex=u) if isinstance(u, str) and len(u) == 32 else uuid.uuid5(uuid.NAMESPACE_URL, "config." + name)
                items.append({"name": name, "type": m.get("type", "collection"), "options": m.get("options") or {},
                              "info": {"readOnly": False, "uuid": Binary(u.bytes, 4)},
                              "idIndex": {"v": 2, "key": {"_id": 1}, "name": "_id_"}})
        items = filter_docs(items, doc.get("filter") or {})
        if doc.get("nameOnly"):
            items = [{"name": i["name"], "type": i["type"]} for i in items]
        return self._new_cursor(f"{db}.$cmd.listCollections", items, None, False, DEFAULT_FIRST_BATCH)

    def list_indexes(self, doc, db):
        coll = doc.get("listIndexes")
        if db != "config" or coll not in self.colls:
            raise CommandError(26, "NamespaceNotFound", f"ns does not exist: {db}.{coll}")
        indexes = self.meta.get(coll, {}).get("indexes") or [{"v": 2, "key": {"_id": 1}, "name": "_id_"}]
        return self._new_cursor(f"{db}.{coll}", list(indexes), None, False, DEFAULT_FIRST_BATCH)

    def get_more(self, doc, db):
        cid = doc.get("getMore")
        with self.lock:
            cur = self.cursors.get(cid)
        if cur is None:
            raise CommandError(43, "CursorNotFound", f"cursor id {cid} not found")
        bs = doc.get("batchSize")
        with self.lock:
            batch = cur.batch(int(bs) if bs else None)
            if cur.exhausted:
                self.cursors.pop(cid, None)
                rid = Int64(0)
            else:
                rid = cid
        return {"cursor": {"nextBatch": batch, "id": rid, "ns": cur.ns}}

    def kill_cursors(self, doc):
        killed, missing = [], []
        with self.lock:
            for cid in doc.get("cursors") or []:
                (killed if self.cursors.pop(cid, None) is not None else missing).append(cid)
        return {"cursorsKilled": killed, "cursorsNotFound": missing,
                "cursorsAlive": [], "cursorsUnknown": []}


def main(argv=None):
    ap = argparse.ArgumentParser(description="fake mongos serving a mongodump of the config database")
    ap.add_argument("--dump", required=True, help="dump directory (its config/ folder or the parent)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--auth", help="USER:PASS")
    ap.add_argument("--version", default="7.0.14")
    ap.add_argument("--watch-dir", help="test-only: append <coll>.bson files dropped here to config.<coll>")
    ap.add_argument("--config-hosts", help="test-only: getShardMap answers {map: {config: THIS}} (else CommandNotFound)")
    ap.add_argument("--default-write-concern", help="test-only: getDefaultRWConcern's defaultWriteConcern, as JSON (source 'global')")
    ap.add_argument("--drop-after-docs", type=int, help="test-only: close the connection once more than N documents were served")
    ap.add_argument("--stats", help="write requests and bytes per command to this JSON file after every reply")
    args = ap.parse_args(argv)

    peer = Peer(args)
    server = mockupdb.MockupDB(port=args.port or None, request_timeout=int(1e6))
    server._address = ("127.0.0.1", args.port or None)
    server.autoresponds(peer.handle)

    stop = peer.stop_event
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    if args.watch_dir:
        os.makedirs(args.watch_dir, exist_ok=True)
        threading.Thread(target=peer.watch, args=(args.watch_dir,), daemon=True).start()

    port = server.run()
    print(port, flush=True)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.replace(tmp, args.port_file)

    while not stop.wait(0.5):
        pass
    server.stop()
    if peer.log:
        peer.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
