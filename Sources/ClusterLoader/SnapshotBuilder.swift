import Foundation
import ClusterModel

/// Decodes one `config.chunks` document (any schema from 3.6 to 8.0).
public enum ChunkDecoder {
    public static func decode(_ doc: BSONDocument) throws -> Chunk {
        let r = DocumentReader(doc)
        guard let id = doc["_id"] else { throw DocumentFieldError(field: "_id", found: "missing", expected: "string or objectId") }
        return Chunk(id: id, min: try r.document("min"), max: try r.document("max"), shard: try r.string("shard"),
                     lastmod: try lastmod(doc["lastmod"]), jumbo: try r.flag("jumbo"),
                     estimatedDataSizeBytes: try r.optInt("estimatedDataSizeBytes"),
                     onCurrentShardSince: try r.optTimestamp("onCurrentShardSince"))
    }

    /// A chunk version: a Timestamp, a legacy `{t, i}` document, or a Date holding the same 64 bits (very old data).
    static func lastmod(_ v: BSONValue?) throws -> BSONTimestamp? {
        switch v {
        case nil, .null?: return nil
        case .timestamp(let ts)?: return ts
        case .date(let ms)?:
            let bits = UInt64(bitPattern: ms)
            return BSONTimestamp(t: UInt32(bits >> 32), i: UInt32(bits & 0xffff_ffff))
        case .document(let d)?:
            if let t = d["t"]?.int64Value, let i = d["i"]?.int64Value, let t32 = UInt32(exactly: t), let i32 = UInt32(exactly: i) {
                return BSONTimestamp(t: t32, i: i32)
            }
            throw DocumentFieldError(field: "lastmod", found: "object", expected: "timestamp or {t, i}")
        case let other?:
            throw DocumentFieldError(field: "lastmod", found: other.typeName, expected: "timestamp")
        }
    }
}

/// Turns the raw documents of one load into a snapshot. Never throws: a document with a field of an unexpected
/// type is skipped and named in a warning; the rest loads. The schema is detected from the fields present.
public enum SnapshotBuilder {
    public static func build(_ raw: RawConfig, source: SourceInfo, asOf: Date?, options: LoadOptions) -> ClusterSnapshot {
        buildKeepingChangelog(raw, source: source, asOf: asOf, options: options).snapshot
    }

    /// `build`, also handing back every changelog entry of `raw` decoded (newest first, before the snapshot's
    /// `changelogLimit` cut), so a source that answers `changelog(newerThan:)` does not decode them twice.
    static func buildKeepingChangelog(_ raw: RawConfig, source: SourceInfo, asOf: Date?, options: LoadOptions)
        -> (snapshot: ClusterSnapshot, changelog: [ChangelogEntry]) {
        var b = Builder(warnings: raw.warnings)
        let shards = b.decode(raw.shards, "config.shards", Builder.shard).sorted { $0.id < $1.id }
        let databases = b.decode(raw.databases, "config.databases", Builder.database).sorted { $0.name < $1.name }
        let collections = b.collections(raw.collections)
        let zoneRanges = b.decode(raw.tags, "config.tags", Builder.zone)
        let mongos = b.decode(raw.mongos, "config.mongos", Builder.mongos).sorted { $0.host < $1.host }
        let balancer = b.settings(raw.settings)
        let clusterId = b.decode(raw.version, "config.version", Builder.clusterId).compactMap { $0 }.first
        let migrations = b.decode(raw.migrations, "config.migrations", Builder.migration)
        let allChangelog = b.decode(raw.changelog, "config.changelog", Builder.changelog).sorted { $0.time > $1.time }
        let changelog = Array(allChangelog.prefix(max(0, options.changelogLimit)))
        let rounds = Array(b.decode(raw.actionlog.filter { $0["what"]?.stringValue == "balancer.round" }, "config.actionlog", Builder.round)
            .sorted { $0.time > $1.time }.prefix(max(0, options.actionlogLimit)))
        let distribution = b.distribution(raw.chunkGroups, collections: collections)

        let newest = (mongos.compactMap(\.ping) + changelog.map(\.time) + rounds.map(\.time)).max()
        let snapshot = ClusterSnapshot(
            source: source, asOf: asOf ?? newest ?? Date(), clusterId: clusterId, shards: shards, databases: databases,
            collections: collections, distribution: distribution, zoneRanges: zoneRanges, mongos: mongos, balancer: balancer,
            balancerStatus: raw.balancerStatus.flatMap { b.one($0, "balancerStatus", Builder.balancerStatus) },
            changelog: changelog, balancerRounds: rounds, migrations: migrations,
            serverVersion: raw.buildInfo?["version"]?.stringValue,
            defaultRWConcern: raw.defaultRWConcern.map { d in BSONDocument(d.elements.filter { !["ok", "$clusterTime", "operationTime"].contains($0.key) }) },
            dataDistribution: raw.shardedDataDistribution.map { b.dataDistribution($0) },
            warnings: b.warnings)
        return (snapshot, allChangelog)
    }
}

extension SnapshotBuilder {
    /// Changelog documents decoded as in a snapshot (newest first); undecodable ones are dropped.
    static func changelogEntries(_ docs: [BSONDocument]) -> [ChangelogEntry] {
        var b = Builder(warnings: [])
        return b.decode(docs, "config.changelog", Builder.changelog).sorted { $0.time > $1.time }
    }
}

private struct Builder {
    var warnings: [String]
    /// uuids and namespaces of collections deliberately not loaded (dropped, unsplittable): their chunks are not reported.
    var skippedUUIDs: Set<BSONValue> = []
    var skippedNamespaces: Set<String> = []

    mutating func one<T>(_ doc: BSONDocument, _ where_: String, _ f: (DocumentReader) throws -> T) -> T? {
        let r = DocumentReader(doc)
        do { return try f(r) } catch {
            warnings.append(SafeText.escaped("\(where_): skipped document \(r.idText): \(error)"))
            return nil
        }
    }
    mutating func decode<T>(_ docs: [BSONDocument], _ coll: String, _ f: (DocumentReader) throws -> T) -> [T] {
        docs.compactMap { one($0, coll, f) }
    }

    static func shard(_ r: DocumentReader) throws -> Shard {
        Shard(id: try r.string("_id"), host: try r.string("host"), state: try r.optInt("state").map { Int($0) },
              draining: try r.flag("draining"), zones: try r.optStrings("tags") ?? [], topologyTime: try r.optTimestamp("topologyTime"))
    }
    static func database(_ r: DocumentReader) throws -> DatabaseInfo {
        DatabaseInfo(name: try r.string("_id"), primary: try r.string("primary"), partitioned: try r.optFlag("partitioned"),
                     versionTimestamp: try r.optTimestamp("version.timestamp"))
    }

    mutating func collections(_ docs: [BSONDocument]) -> [ShardedCollection] {
        var out: [ShardedCollection] = []
        for doc in docs {
            let skip = one(doc, "config.collections") { r in try r.flag("dropped") || r.flag("unsplittable") }
            if skip == true {
                if let u = doc["uuid"] { skippedUUIDs.insert(u) }
                if let ns = doc["_id"]?.stringValue { skippedNamespaces.insert(ns) }
                continue
            }
            guard skip != nil, let c = one(doc, "config.collections", Builder.collection) else { continue }
            out.append(c)
        }
        return out.sorted { $0.ns < $1.ns }
    }
    static func collection(_ r: DocumentReader) throws -> ShardedCollection {
        let ns = try r.string("_id")
        let uuid = r.doc["uuid"].flatMap { $0 == .null ? nil : $0 }
        let keying: ChunkKeying
        if r.doc["timestamp"] != nil {   // 5.0+: chunks carry the collection's uuid
            guard let uuid else { throw DocumentFieldError(field: "uuid", found: "missing", expected: "binData (collection has 'timestamp')") }
            keying = .uuid(uuid)
        } else {
            keying = .ns(ns)
        }
        let permit = try r.optFlag("permitMigrations") ?? true
        let allow = try r.optFlag("allowMigrations") ?? true
        return ShardedCollection(
            ns: ns, uuid: uuid, key: ShardKey(document: try r.document("key")), unique: try r.flag("unique"), keying: keying,
            noBalance: try r.flag("noBalance"), allowMigrations: permit && allow, maxChunkSizeBytes: try r.optInt("maxChunkSizeBytes"),
            defragmenting: try r.flag("defragmentCollection"), enableAutoMerge: try r.optFlag("enableAutoMerge"),
            resharding: r.doc["reshardingFields"] != nil, timeseries: r.doc["timeseriesFields"] != nil,
            updated: r.doc["lastmod"]?.dateValue)
    }

    static func zone(_ r: DocumentReader) throws -> ZoneRange {
        ZoneRange(ns: try r.string("ns"), zone: try r.string("tag"), min: try r.document("min"), max: try r.document("max"))
    }
    static func mongos(_ r: DocumentReader) throws -> Mongos {
        Mongos(host: try r.string("_id"), ping: try r.optDate("ping"), upSeconds: try r.optInt("up"), version: try r.optString("mongoVersion"),
               created: try r.optDate("created"), advisoryHostFQDNs: try r.optStrings("advisoryHostFQDNs") ?? [])
    }
    static func clusterId(_ r: DocumentReader) throws -> String? {
        switch r.doc["clusterId"] {
        case nil: return nil
        case .objectId(let o)?: return o.hex
        case .string(let s)?: return s
        case let v?: throw DocumentFieldError(field: "clusterId", found: v.typeName, expected: "objectId")
        }
    }
    static func migration(_ r: DocumentReader) throws -> ActiveMigration {
        ActiveMigration(ns: try r.string("ns"), min: try r.document("min"), max: try r.document("max"),
                        fromShard: try r.string("fromShard"), toShard: try r.string("toShard"))
    }
    static func changelog(_ r: DocumentReader) throws -> ChangelogEntry {
        let id: String
        switch r.doc["_id"] {
        case .string(let s)?: id = s
        case .objectId(let o)?: id = o.hex
        case let v?: id = v.relaxedExtendedJSON.serialized(indent: 0)
        case nil: id = ""
        }
        return ChangelogEntry(id: id, server: try r.optString("server") ?? "", clientAddr: try r.optString("clientAddr"),
                              time: try r.date("time"), what: try r.string("what"), ns: try r.optString("ns") ?? "",
                              details: try r.optDocument("details") ?? BSONDocument())
    }
    static func round(_ r: DocumentReader) throws -> BalancerRound {
        // Old servers spell the flag `errorOccured`.
        let error = try (r.optFlag("details.errorOccurred") ?? false) || (r.optFlag("details.errorOccured") ?? false)
        return BalancerRound(time: try r.date("time"), server: try r.optString("server"), errorOccurred: error,
                             errmsg: try r.optString("details.errmsg"), candidateChunks: try r.optInt("details.candidateChunks"),
                             chunksMoved: try r.optInt("details.chunksMoved"), executionTimeMillis: try r.optInt("details.executionTimeMillis"))
    }
    static func balancerStatus(_ r: DocumentReader) throws -> BalancerStatus {
        BalancerStatus(mode: try r.string("mode"), inBalancerRound: try r.flag("inBalancerRound"), numBalancerRounds: try r.optInt("numBalancerRounds"))
    }

    mutating func settings(_ docs: [BSONDocument]) -> BalancerSettings {
        var s = BalancerSettings()
        for doc in docs {
            _ = one(doc, "config.settings") { r in
                switch r.doc["_id"]?.stringValue {
                case "balancer":
                    let window = try r.optDocument("activeWindow").map { _ in
                        BalancerSettings.Window(start: try r.string("activeWindow.start"), stop: try r.string("activeWindow.stop")) }
                    s.stopped = try r.flag("stopped"); s.mode = try r.optString("mode"); s.activeWindow = window
                    s.secondaryThrottle = r.doc["_secondaryThrottle"]; s.waitForDelete = try r.optFlag("_waitForDelete")
                case "chunksize": s.chunkSizeMB = try r.optInt("value").map { Int($0) }
                case "autosplit": s.autosplit = try r.optFlag("enabled")
                case "automerge": s.automerge = try r.optFlag("enabled")
                default: break
                }
            }
        }
        return s
    }

    mutating func distribution(_ groups: [ChunkGroup], collections: [ShardedCollection]) -> [String: [ShardChunkCount]] {
        var nsByUUID: [BSONValue: String] = [:]
        for c in collections { if let u = c.uuid { nsByUUID[u] = c.ns } }
        let known = Set(collections.map(\.ns))
        var counts: [String: [String: ShardChunkCount]] = [:]
        var orphans: [ChunkKeying: Int] = [:]
        for g in groups {
            let ns: String?
            switch g.owner {
            case .uuid(let u):
                if skippedUUIDs.contains(u) { continue }
                ns = nsByUUID[u]
            case .ns(let n):
                if skippedNamespaces.contains(n) { continue }
                ns = known.contains(n) ? n : nil
            }
            guard let ns else { orphans[g.owner, default: 0] += g.chunks; continue }
            counts[ns, default: [:]][g.shard, default: ShardChunkCount(shard: g.shard, chunks: 0)].chunks += g.chunks
            counts[ns]![g.shard]!.jumbo += g.jumbo
        }
        for (owner, n) in orphans.sorted(by: { "\($0.key)" < "\($1.key)" }) {
            let name: String
            switch owner {
            case .uuid(let u): name = "uuid \(u.relaxedExtendedJSON.serialized(indent: 0))"
            case .ns(let n): name = "ns \"\(n)\""
            }
            warnings.append(SafeText.escaped("config.chunks: \(n) chunks of \(name) belong to no sharded collection in config.collections; not counted"))
        }
        return counts.mapValues { $0.values.sorted { $0.shard < $1.shard } }
    }

    mutating func dataDistribution(_ rows: [BSONDocument]) -> [String: [ShardDataSize]] {
        var out: [String: [ShardDataSize]] = [:]
        for row in rows {
            guard let (ns, sizes) = one(row, "$shardedDataDistribution", { r -> (String, [ShardDataSize]) in
                let ns = try r.string("ns")
                let shards = try (r.doc["shards"]?.arrayValue ?? []).map { v -> ShardDataSize in
                    guard let d = v.documentValue else { throw DocumentFieldError(field: "shards", found: v.typeName, expected: "object") }
                    let s = DocumentReader(d)
                    return ShardDataSize(shard: try s.string("shardName"), ownedSizeBytes: try s.optInt("ownedSizeBytes") ?? 0,
                                         orphanedSizeBytes: try s.optInt("orphanedSizeBytes") ?? 0,
                                         numOwnedDocuments: try s.optInt("numOwnedDocuments") ?? 0)
                }
                return (ns, shards)
            }) else { continue }
            out[ns, default: []] += sizes
        }
        return out.mapValues { $0.sorted { $0.shard < $1.shard } }
    }
}
