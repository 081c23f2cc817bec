import Foundation
import ClusterModel

/// `status --json`: one document whose keys and meanings are a contract for scripts (see README).
/// Stable keys: clusterId, source, shards, databases, collections, balancer, mongos, changelog.
public enum StatusJSON {
    public static func document(_ s: ClusterSnapshot, timeZone: TimeZone = .current) -> JSONValue {
        let perShard = Dictionary(uniqueKeysWithValues: s.chunksPerShard.map { ($0.shard, $0) })
        return .object([
            ("clusterId", .optional(s.clusterId)),
            ("source", source(s.source)),
            ("asOf", .string(ISO8601.string(s.asOf))),
            ("serverVersion", .optional(s.serverVersion)),
            ("shards", .array(s.shards.map { shard($0, chunks: perShard[$0.id]?.chunks ?? 0) })),
            ("databases", .array(s.databases.map { .object([("name", .string($0.name)), ("primary", .string($0.primary))]) })),
            ("collections", .array(s.collections.map { collection($0, s) })),
            ("balancer", balancer(s, timeZone: timeZone)),
            ("mongos", .array(s.mongos.map { mongos($0, s) })),
            ("changelog", .array(s.changelog.map(changelogEntry))),
            ("balancerRounds", .array(s.balancerRounds.map(round))),
            ("migrations", .array(s.migrations.map(migration))),
            ("dataDistribution", dataDistribution(s.dataDistribution)),
            ("defaultRWConcern", s.defaultRWConcern.map(\.relaxedExtendedJSON) ?? .null),
            ("warnings", .array(s.warnings.map(JSONValue.string))),
        ])
    }

    static func source(_ info: SourceInfo) -> JSONValue {
        let key: String
        switch info.kind {
        case .live: key = "uri"
        case .dump: key = "path"
        case .demo: key = "name"
        }
        return .object([("kind", .string(info.kind.rawValue)), (key, .string(info.display))])
    }

    static func shard(_ sh: Shard, chunks: Int) -> JSONValue {
        .object([
            ("id", .string(sh.id)),
            ("host", .string(sh.host)),
            ("replicaSet", .optional(sh.replicaSet)),
            ("state", .optional(sh.state)),
            ("draining", .bool(sh.draining)),
            ("zones", .array(sh.zones.map(JSONValue.string))),
            ("chunks", .int(Int64(chunks))),
        ])
    }

    static func collection(_ c: ShardedCollection, _ s: ClusterSnapshot) -> JSONValue {
        let counts = s.chunkCounts(for: c.ns)
        let keying: String
        switch c.keying { case .uuid: keying = "uuid"; case .ns: keying = "ns" }
        return .object([
            ("ns", .string(c.ns)),
            ("key", c.key.document.relaxedExtendedJSON),
            ("unique", .bool(c.unique)),
            ("balancing", .bool(c.balancing)),
            ("chunks", .int(Int64(s.totalChunks(for: c.ns)))),
            ("chunksByShard", .object(counts.map { ($0.shard, .int(Int64($0.chunks))) })),
            ("jumbo", .int(Int64(s.jumboChunks(for: c.ns)))),
            ("jumboByShard", .object(counts.filter { $0.jumbo > 0 }.map { ($0.shard, .int(Int64($0.jumbo))) })),
            ("imbalance", .int(Int64(s.imbalance(for: c.ns)))),
            ("zones", .array(s.zoneRanges(for: c.ns).map {
                .object([("zone", .string($0.zone)), ("min", $0.min.relaxedExtendedJSON), ("max", $0.max.relaxedExtendedJSON)])
            })),
            ("chunksKeyedBy", .string(keying)),
            ("uuid", c.uuid.map(\.relaxedExtendedJSON) ?? .null),
        ])
    }

    static func balancer(_ s: ClusterSnapshot, timeZone: TimeZone) -> JSONValue {
        let b = s.balancer
        return .object([
            ("enabled", .bool(b.enabled)),
            ("mode", .string(s.balancerStatus?.mode ?? b.effectiveMode)),
            ("running", .optional(s.balancerStatus?.inBalancerRound)),
            ("activeWindow", b.activeWindow.map { .object([("start", .string($0.start)), ("stop", .string($0.stop))]) } ?? .null),
            ("insideWindow", .optional(s.insideBalancerWindow(timeZone: timeZone))),
            ("chunkSizeMB", .optional(b.chunkSizeMB)),
            ("autosplit", .optional(b.autosplit)),
            ("automerge", .optional(b.automerge)),
            ("secondaryThrottle", b.secondaryThrottle.map(\.relaxedExtendedJSON) ?? .null),
            ("waitForDelete", .optional(b.waitForDelete)),
        ])
    }

    static func mongos(_ m: Mongos, _ s: ClusterSnapshot) -> JSONValue {
        .object([
            ("host", .string(m.host)),
            ("version", .optional(m.version)),
            ("pingAgeSeconds", s.pingAgeSeconds(m).map { .int(Int64($0.rounded(.down))) } ?? .null),
            ("stale", .bool(s.isStale(m))),
            ("ping", m.ping.map { .string(ISO8601.string($0)) } ?? .null),
            ("upSeconds", .optional(m.upSeconds)),
        ])
    }

    static func changelogEntry(_ e: ChangelogEntry) -> JSONValue {
        .object([
            ("time", .string(ISO8601.string(e.time))),
            ("what", .string(e.what)),
            ("ns", .string(e.ns)),
            ("server", .string(e.server)),
            ("error", .bool(e.isError)),
            ("details", e.details.relaxedExtendedJSON),
        ])
    }

    static func round(_ r: BalancerRound) -> JSONValue {
        .object([
            ("time", .string(ISO8601.string(r.time))),
            ("server", .optional(r.server)),
            ("errorOccurred", .bool(r.errorOccurred)),
            ("errmsg", .optional(r.errmsg)),
            ("candidateChunks", .optional(r.candidateChunks)),
            ("chunksMoved", .optional(r.chunksMoved)),
            ("executionTimeMillis", .optional(r.executionTimeMillis)),
        ])
    }

    static func migration(_ m: ActiveMigration) -> JSONValue {
        .object([("ns", .string(m.ns)), ("min", m.min.relaxedExtendedJSON), ("max", m.max.relaxedExtendedJSON),
                 ("fromShard", .string(m.fromShard)), ("toShard", .string(m.toShard))])
    }

    static func dataDistribution(_ d: [String: [ShardDataSize]]?) -> JSONValue {
        guard let d else { return .null }
        return .object(d.keys.sorted().map { ns in
            (ns, .object(d[ns]!.map { ($0.shard, .object([
                ("ownedSizeBytes", .int($0.ownedSizeBytes)), ("orphanedSizeBytes", .int($0.orphanedSizeBytes)),
                ("numOwnedDocuments", .int($0.numOwnedDocuments))])) }))
        })
    }
}
