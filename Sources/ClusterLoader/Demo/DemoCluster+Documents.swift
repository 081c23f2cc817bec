import Foundation
import ClusterModel

/// The config documents, exactly as a server of `shape`'s version stores them.
extension DemoCluster {
    /// Every config collection by name. With `includingChunks: false` "chunks" is left out
    /// (use `forEachChunkDocument` to stream a big one).
    public func documents(includingChunks: Bool = true) -> [String: [BSONDocument]] {
        var out: [String: [BSONDocument]] = [
            "shards": shardDocuments(), "databases": databaseDocuments(), "collections": collectionDocuments(),
            "tags": tagDocuments(), "mongos": mongosDocuments(), "settings": settingsDocuments(),
            "version": [versionDocument()], "changelog": changelog, "actionlog": actionlog,
            "migrations": migrationDocuments(),
        ]
        if includingChunks {
            var all: [BSONDocument] = []
            all.reserveCapacity(totalChunks)
            forEachChunkDocument { all.append($0) }
            out["chunks"] = all
        }
        return out
    }

    public var totalChunks: Int { colls.reduce(0) { $0 + $1.chunks.count } }

    /// Calls `body` with every chunk document, collection by collection in key order, building one at a time.
    public func forEachChunkDocument(_ body: (BSONDocument) throws -> Void) rethrows {
        for c in colls {
            for i in c.chunks.indices { try body(chunkDocument(c, i)) }
        }
    }

    /// The chunk documents of one collection in key order (empty for an unknown namespace).
    public func chunkDocuments(of ns: String) -> [BSONDocument] {
        guard let c = collectionIndex(ns).map({ colls[$0] }) else { return [] }
        return c.chunks.indices.map { chunkDocument(c, $0) }
    }

    /// Up to `limit` chunk documents of `ns` from index `start` on, in key order.
    func chunkDocuments(of ns: String, from start: Int, limit: Int) -> [BSONDocument] {
        guard let c = collectionIndex(ns).map({ colls[$0] }), start < c.chunks.count, limit > 0 else { return [] }
        return (start..<min(c.chunks.count, start + limit)).map { chunkDocument(c, $0) }
    }

    /// The raw documents of one load, chunks tallied per (collection, shard) with `ChunkTally`,
    /// changelog and actionlog cut to the newest `options` limits.
    public func rawConfig(options: LoadOptions = LoadOptions()) -> RawConfig {
        var raw = RawConfig()
        raw.shards = shardDocuments()
        raw.databases = databaseDocuments()
        raw.collections = collectionDocuments()
        raw.tags = tagDocuments()
        raw.mongos = mongosDocuments()
        raw.settings = settingsDocuments()
        raw.version = [versionDocument()]
        raw.migrations = migrationDocuments()
        raw.changelog = Array(changelog.suffix(options.changelogLimit))
        raw.actionlog = Array(actionlog.suffix(options.actionlogLimit))
        var tally = ChunkTally()
        for c in colls {
            let owner: BSONDocument.Element = keyedByUUID ? .init(key: "uuid", value: uuidValue(c)) : .init(key: "ns", value: .string(c.spec.ns))
            for ch in c.chunks {
                // Only the fields the tally reads; building full documents would be wasted work.
                tally.add(BSONDocument([owner, .init(key: "shard", value: .string(shardId(ch.shard))),
                                        .init(key: "jumbo", value: .bool(ch.jumbo))]))
            }
        }
        raw.chunkGroups = tally.groups.sorted { ($0.shard, "\($0.owner)") < ($1.shard, "\($1.owner)") }
        return raw
    }

    var keyedByUUID: Bool { shape.atLeast5 }
    func uuidValue(_ c: SimCollection) -> BSONValue { .binary(subtype: 4, data: c.uuid) }
    static func date(_ ms: Int64) -> BSONValue { .date(ms) }

    // MARK: one builder per collection

    func shardDocuments() -> [BSONDocument] {
        shards.map { s in
            var d: BSONDocument = ["_id": .string(s.id), "host": .string(s.host), "state": .int32(1)]
            if shape.atLeast5 { d["topologyTime"] = .timestamp(BSONTimestamp(t: UInt32(s.addedMs / 1000), i: 2)) }
            if !s.zones.isEmpty { d["tags"] = .array(s.zones.map { .string($0) }) }
            if s.draining { d["draining"] = .bool(true) }
            return d
        }
    }

    func databaseDocuments() -> [BSONDocument] {
        Self.databaseList.map { name, primary in
            let h = stableHash(name, seed)
            var uuid = (0..<16).map { UInt8(truncatingIfNeeded: stableHash("\(name)\($0)", h)) }
            uuid[6] = uuid[6] & 0x0f | 0x40
            uuid[8] = uuid[8] & 0x3f | 0x80
            var version: BSONDocument = ["uuid": .binary(subtype: 4, data: uuid)]
            if shape.atLeast5 { version["timestamp"] = .timestamp(BSONTimestamp(t: 1_785_800_000 + UInt32(h % 500_000), i: 1)) }
            version["lastMod"] = .int32(1)
            var d: BSONDocument = ["_id": .string(name), "primary": .string(primary)]
            if !shape.atLeast7 { d["partitioned"] = .bool(name != "logs") }
            d["version"] = .document(version)
            return d
        }
    }

    func collectionDocuments() -> [BSONDocument] {
        var docs = colls.map { c -> BSONDocument in
            var d: BSONDocument = ["_id": .string(c.spec.ns), "lastmodEpoch": .objectId(c.epoch), "lastmod": Self.date(c.spec.createdMs)]
            if shape.atLeast5 {
                d["timestamp"] = .timestamp(BSONTimestamp(t: UInt32(c.spec.createdMs / 1000), i: 6))
                d["uuid"] = uuidValue(c)
            } else {
                d["dropped"] = .bool(false)
            }
            d["key"] = .document(Self.keyPattern(c.spec.kind))
            d["unique"] = .bool(c.spec.unique)
            if !shape.atLeast5 { d["uuid"] = uuidValue(c) }
            if c.spec.unsplittable { d["unsplittable"] = .bool(true) }
            else if shape.atLeast5 || c.spec.noBalance { d["noBalance"] = .bool(c.spec.noBalance) }
            return d
        }
        if shape == .v4_4 {
            // What 4.4 leaves behind after dropping a sharded collection.
            docs.append(["_id": .string("shop.carts_old"), "lastmodEpoch": .objectId(ObjectId(bytes: Array(repeating: 0, count: 12))),
                         "lastmod": Self.date(nowMs - 9 * 86_400_000), "dropped": .bool(true)])
        }
        return docs.sorted { ($0["_id"]?.stringValue ?? "") < ($1["_id"]?.stringValue ?? "") }
    }

    func chunkDocument(_ c: SimCollection, _ i: Int) -> BSONDocument {
        let ch = c.chunks[i]
        let min = minDoc(c, i), shard = shardId(ch.shard)
        var d = BSONDocument()
        d.elements.reserveCapacity(9)
        let id: BSONValue = ch.legacyId ? .string(Self.legacyChunkId(c.spec.ns, min))
            : .objectId(ObjectId(bytes: Self.be32(ch.created) + oidMachine + [UInt8(ch.counter >> 16 & 0xff), UInt8(ch.counter >> 8 & 0xff), UInt8(ch.counter & 0xff)]))
        d["_id"] = id
        if keyedByUUID { d["uuid"] = uuidValue(c) } else { d["ns"] = .string(c.spec.ns) }
        d["min"] = .document(min)
        d["max"] = .document(maxDoc(c, i))
        d["shard"] = .string(shard)
        d["lastmod"] = .timestamp(BSONTimestamp(t: ch.major, i: ch.minor))
        if !keyedByUUID { d["lastmodEpoch"] = .objectId(c.epoch) }
        let since = BSONTimestamp(t: ch.since, i: 1)
        if shape.atLeast7 { d["onCurrentShardSince"] = .timestamp(since) }
        if shape.atLeast5 { d["history"] = .array([.document(["validAfter": .timestamp(since), "shard": .string(shard)])]) }
        if ch.jumbo { d["jumbo"] = .bool(true) }
        return d
    }

    func tagDocuments() -> [BSONDocument] {
        colls.flatMap { c in
            c.spec.zones.map { z -> BSONDocument in
                let min = Self.bound(c.spec.kind, z.lo)
                let id: BSONValue = shape.atLeast5
                    ? .objectId(ObjectId(bytes: Self.be32(UInt32(c.spec.createdMs / 1000) + 60) + (0..<8).map { UInt8(truncatingIfNeeded: stableHash(c.spec.ns + z.zone, seed) >> (8 * $0)) }))
                    : .document(["ns": .string(c.spec.ns), "min": .document(min)])
                return ["_id": id, "ns": .string(c.spec.ns), "min": .document(min), "max": .document(Self.bound(c.spec.kind, z.hi)), "tag": .string(z.zone)]
            }
        }
    }

    /// Routers and their versions; `mongos-d` stopped pinging 17 minutes before the epoch.
    static func mongosList(_ shape: Shape) -> [(host: String, version: String, created: Int64, stale: Bool)] {
        let v: (String, String) = switch shape {
        case .v4_4: ("4.4.29", "4.4.25")
        case .v5_0: ("5.0.31", "5.0.28")
        case .v7_0: ("7.0.16", "7.0.12")
        case .v8_0: ("8.0.4", "8.0.1")
        }
        let t = epochMs
        return [("mongos-a.demo.net:27017", v.0, t - 12 * 86_400_000, false),
                ("mongos-b.demo.net:27017", v.0, t - 12 * 86_400_000 + 41_000, false),
                ("mongos-c.demo.net:27017", v.1, t - 40 * 86_400_000, false),
                ("mongos-d.demo.net:27017", v.0, t - 3 * 86_400_000, true)]
    }

    func mongosDocuments() -> [BSONDocument] {
        Self.mongosList(shape).enumerated().map { n, m in
            // Every live router pings every 30 s, each at its own offset.
            let ping = m.stale ? Self.epochMs - 17 * 60_000 : nowMs - (nowMs + Int64(n) * 7_919) % 30_000
            return ["_id": .string(m.host), "advisoryHostFQDNs": .array([.string(String(m.host.prefix { $0 != ":" }))]),
                    "created": Self.date(m.created), "mongoVersion": .string(m.version), "ping": Self.date(ping),
                    "up": .int64((ping - m.created) / 1000), "waiting": .bool(true)]
        }
    }

    func settingsDocuments() -> [BSONDocument] {
        var out: [BSONDocument] = [
            ["_id": .string("balancer"), "mode": .string("full"), "stopped": .bool(false),
             "activeWindow": .document(["start": .string(Self.windowStart), "stop": .string(Self.windowStop)]),
             "_secondaryThrottle": .bool(true), "_waitForDelete": .bool(false)],
            ["_id": .string("chunksize"), "value": .int32(shape.atLeast7 ? 128 : 64)],
            ["_id": .string("autosplit"), "enabled": .bool(true)],
        ]
        if shape.atLeast7 { out.append(["_id": .string("automerge"), "enabled": .bool(true)]) }
        return out
    }

    func versionDocument() -> BSONDocument {
        shape == .v8_0 ? ["_id": .int32(1), "clusterId": .objectId(clusterId)]
            : ["_id": .int32(1), "minCompatibleVersion": .int32(5), "currentVersion": .int32(6), "clusterId": .objectId(clusterId)]
    }

    func migrationDocuments() -> [BSONDocument] {
        guard let m = inFlight, let i = colls[m.coll].chunks.firstIndex(where: { $0.lo == m.lo }) else { return [] }
        let c = colls[m.coll], min = minDoc(c, i)
        var d: BSONDocument = ["_id": .string(Self.legacyChunkId(c.spec.ns, min)), "ns": .string(c.spec.ns),
                               "min": .document(min), "max": .document(maxDoc(c, i)),
                               "fromShard": .string(shardId(m.from)), "toShard": .string(shardId(m.to)),
                               "waitForDelete": .bool(false)]
        if shape.atLeast5 { d["forceJumbo"] = .int32(0) }
        return [d]
    }
}
