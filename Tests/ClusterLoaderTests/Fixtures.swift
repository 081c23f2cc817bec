import Foundation
import ClusterModel
@testable import ClusterLoader

/// Hand-made config documents in the shapes of several server versions.
enum Fx {
    static func uuid(_ n: UInt8) -> BSONValue { .binary(subtype: 4, data: [UInt8](repeating: n, count: 16)) }
    static func oid(_ n: UInt8) -> ObjectId { ObjectId(bytes: [0x65, 0, 0, n] + [UInt8](repeating: n, count: 8)) }
    static func date(_ s: Int64) -> BSONValue { .date(s * 1000) }
    static let t0: Int64 = 1_760_000_000

    static func key(_ pairs: (String, BSONValue)...) -> BSONDocument { BSONDocument(pairs) }

    /// 4.4: no `timestamp`, chunks keyed by ns with string _ids.
    static func collection44(_ ns: String, key: BSONDocument) -> BSONDocument {
        ["_id": .string(ns), "lastmodEpoch": .objectId(oid(1)), "lastmod": date(t0), "dropped": .bool(false),
         "key": .document(key), "unique": .bool(false), "uuid": uuid(0x44)]
    }
    /// 5.0+: `timestamp` present, chunks keyed by uuid with ObjectId _ids.
    static func collection50(_ ns: String, uuid u: UInt8, key: BSONDocument, extra: BSONDocument = [:]) -> BSONDocument {
        var d: BSONDocument = ["_id": .string(ns), "lastmodEpoch": .objectId(oid(2)), "lastmod": date(t0),
                               "timestamp": .timestamp(BSONTimestamp(t: UInt32(t0), i: 1)), "uuid": uuid(u), "key": .document(key), "unique": .bool(false)]
        for e in extra { d[e.key] = e.value }
        return d
    }
    static func chunkNS(_ ns: String, _ lo: BSONValue, _ hi: BSONValue, shard: String, jumbo: Bool = false) -> BSONDocument {
        var d: BSONDocument = ["_id": .string("\(ns)-x_\(lo)"), "ns": .string(ns), "min": .document(["x": lo]), "max": .document(["x": hi]),
                               "shard": .string(shard), "lastmod": .timestamp(BSONTimestamp(t: 1, i: 0)), "lastmodEpoch": .objectId(oid(1))]
        if jumbo { d["jumbo"] = .bool(true) }
        return d
    }
    static func chunkUUID(_ u: UInt8, _ lo: BSONValue, _ hi: BSONValue, shard: String, jumbo: Bool = false, n: UInt8 = 0) -> BSONDocument {
        var d: BSONDocument = ["_id": .objectId(oid(n)), "uuid": uuid(u), "min": .document(["x": lo]), "max": .document(["x": hi]),
                               "shard": .string(shard), "lastmod": .timestamp(BSONTimestamp(t: 2, i: UInt32(n))),
                               "onCurrentShardSince": .timestamp(BSONTimestamp(t: UInt32(t0), i: 0)),
                               "history": .array([.document(["validAfter": .timestamp(BSONTimestamp(t: UInt32(t0), i: 0)), "shard": .string(shard)])])]
        if jumbo { d["jumbo"] = .bool(true) }
        return d
    }

    /// A cluster mixing 4.4-style (ns-keyed) and 5.0+/8.0-style (uuid-keyed) metadata.
    static func mixedCluster() -> (raw: RawConfig, chunks: [BSONDocument]) {
        var raw = RawConfig()
        raw.shards = [
            ["_id": .string("shB"), "host": .string("rsB/b1:27018,b2:27018"), "state": .int32(1), "tags": .array([.string("EU")])],
            ["_id": .string("shA"), "host": .string("a1:27018")],                         // no replica set, no state
            ["_id": .string("config"), "host": .string("csrs/cfg1:27019"), "state": .int32(1), "topologyTime": .timestamp(BSONTimestamp(t: 9, i: 1))],
        ]
        raw.databases = [
            ["_id": .string("logs"), "primary": .string("shB"), "partitioned": .bool(true)],
            ["_id": .string("app"), "primary": .string("shA"),
             "version": .document(["uuid": uuid(9), "lastMod": .int32(1), "timestamp": .timestamp(BSONTimestamp(t: 5, i: 2))])],
        ]
        raw.collections = [
            collection50("app.orders", uuid: 0x50, key: key(("region", .int32(1)), ("orderId", .int32(1))),
                         extra: ["noBalance": .bool(true), "maxChunkSizeBytes": .int64(64 << 20), "enableAutoMerge": .bool(false)]),
            collection44("logs.events", key: key(("x", .string("hashed")))),
            collection44("old.gone", key: key(("x", .int32(1)))).merging(["dropped": .bool(true)]),
            collection50("app.tracked", uuid: 0x80, key: key(("_id", .int32(1))), extra: ["unsplittable": .bool(true)]),
            collection50("app.users", uuid: 0x51, key: key(("x", .int32(1))), extra: ["permitMigrations": .bool(false)]),
        ]
        let chunks: [BSONDocument] = [
            chunkNS("logs.events", .minKey, .int64(0), shard: "shB"),
            chunkNS("logs.events", .int64(0), .maxKey, shard: "shA", jumbo: true),
            chunkUUID(0x50, .minKey, .int32(10), shard: "shB", n: 1),
            chunkUUID(0x50, .int32(10), .int32(20), shard: "shA", jumbo: true, n: 2),
            chunkUUID(0x50, .int32(20), .int32(30), shard: "shA", n: 3),
            chunkUUID(0x50, .int32(30), .maxKey, shard: "config", n: 4),
            chunkUUID(0x51, .minKey, .maxKey, shard: "shA", n: 5),
            chunkUUID(0x80, .minKey, .maxKey, shard: "shB", n: 6),   // unsplittable: not reported
        ]
        var tally = ChunkTally()
        chunks.forEach { tally.add($0) }
        raw.chunkGroups = tally.groups
        raw.tags = [["_id": .document(["ns": .string("app.orders"), "min": .document(["region": .string("EU")])]), "ns": .string("app.orders"),
                     "min": .document(["region": .string("EU"), "orderId": .minKey]), "max": .document(["region": .string("EU"), "orderId": .maxKey]),
                     "tag": .string("EU")]]
        raw.mongos = [
            ["_id": .string("r1:27017"), "ping": date(t0 + 100), "up": .int64(5000), "mongoVersion": .string("7.0.12"), "created": date(t0 - 5000)],
            ["_id": .string("r2:27017"), "ping": date(t0 - 500)],
        ]
        raw.settings = [
            ["_id": .string("balancer"), "stopped": .bool(false), "mode": .string("full"),
             "activeWindow": .document(["start": .string("23:00"), "stop": .string("06:00")]),
             "_secondaryThrottle": .document(["w": .string("majority")]), "_waitForDelete": .bool(true)],
            ["_id": .string("chunksize"), "value": .int32(128)],
            ["_id": .string("autosplit"), "enabled": .bool(false)],
            ["_id": .string("automerge"), "enabled": .bool(true)],
        ]
        raw.version = [["_id": .int32(1), "minCompatibleVersion": .int32(5), "currentVersion": .int32(6), "clusterId": .objectId(oid(7))]]
        raw.changelog = (0..<5).map { k in
            ["_id": .string("r1-\(k)"), "server": .string("r1"), "clientAddr": .string("10.0.0.1:5000"), "time": date(t0 + Int64(k) * 10),
             "what": .string(k == 3 ? "moveChunk.error" : "split"), "ns": .string("app.orders"), "details": .document(["k": .int32(Int32(k))])]
        }
        raw.actionlog = [
            ["_id": .objectId(oid(11)), "server": .string("cfg1"), "time": date(t0 + 20), "what": .string("balancer.round"),
             "details": .document(["executionTimeMillis": .int32(30), "errorOccured": .bool(true), "errmsg": .string("old spelling")])],
            ["_id": .objectId(oid(12)), "server": .string("cfg1"), "time": date(t0 + 40), "what": .string("balancer.round"),
             "details": .document(["executionTimeMillis": .int64(12), "errorOccurred": .bool(true), "candidateChunks": .int32(3), "chunksMoved": .int32(2)])],
            ["_id": .objectId(oid(13)), "server": .string("cfg1"), "time": date(t0 + 60), "what": .string("balancer.round"),
             "details": .document(["executionTimeMillis": .int32(7), "errorOccurred": .bool(false)])],
            ["_id": .objectId(oid(14)), "time": date(t0 + 80), "what": .string("autoSplitVector")],
        ]
        raw.migrations = [["_id": .string("m1"), "ns": .string("app.orders"), "min": .document(["region": .string("EU"), "orderId": .int32(1)]),
                           "max": .document(["region": .string("EU"), "orderId": .int32(9)]), "fromShard": .string("shA"), "toShard": .string("shB")]]
        return (raw, chunks)
    }
}

extension Fx {
    /// Writes `<name>.bson` as mongodump does (documents back to back); returns its path.
    @discardableResult
    static func write(_ name: String, _ docs: [BSONDocument], in dir: URL) throws -> String {
        let url = dir.appendingPathComponent("\(name).bson")
        try Data(docs.flatMap(BSONEncoder.encode)).write(to: url)
        return url.path
    }
    /// Every collection of `mixedCluster()` as files in `dir`, optionally gzipped like `mongodump --gzip`.
    static func writeMixedDump(in dir: URL, gzip: Bool = false) throws -> (raw: RawConfig, chunks: [BSONDocument]) {
        let fx = mixedCluster()
        let r = fx.raw
        for (name, docs) in [("shards", r.shards), ("databases", r.databases), ("collections", r.collections), ("chunks", fx.chunks),
                             ("tags", r.tags), ("mongos", r.mongos), ("settings", r.settings), ("version", r.version),
                             ("migrations", r.migrations), ("changelog", r.changelog), ("actionlog", r.actionlog)] {
            let path = try write(name, docs, in: dir)
            if gzip { try self.gzip(path) }
        }
        return fx
    }
    static func gzip(_ path: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-f", path]
        try p.run(); p.waitUntilExit()
        if p.terminationStatus != 0 { throw CocoaError(.fileWriteUnknown) }
    }
}

extension BSONDocument {
    func merging(_ other: BSONDocument) -> BSONDocument {
        var d = self
        for e in other { d[e.key] = e.value }
        return d
    }
}
