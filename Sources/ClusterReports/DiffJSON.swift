import Foundation
import ClusterModel

/// `diff --json`: one document whose keys are a contract for scripts (see README, "Diff").
/// Every group is always present (empty when nothing changed), so scripts need no existence checks.
public enum DiffJSON {
    public static func document(_ d: ClusterDiff, a: ClusterSnapshot, b: ClusterSnapshot, limit: Int, rangesCompared: Bool = true) -> JSONValue {
        let shards: JSONValue = .object([
            ("added", .array(d.shardsAdded.map(shard))),
            ("removed", .array(d.shardsRemoved.map(shard))),
            ("changed", .array(d.shardsChanged.map { changed($0, idKey: "id") })),
        ])
        let databases: JSONValue = .object([
            ("added", .array(d.databasesAdded.map(database))),
            ("removed", .array(d.databasesRemoved.map(database))),
            ("changed", .array(d.databasesChanged.map { changed($0, idKey: "name") })),
        ])
        let collections: JSONValue = .object([
            ("sharded", .array(d.collectionsSharded.map(collection))),
            ("dropped", .array(d.collectionsDropped.map(collection))),
            ("changed", .array(d.collectionsChanged.map(collectionChange))),
        ])
        let walked: [JSONValue] = d.chunkChanges.sorted { $0.key < $1.key }.map { chunkChanges($0.key, $0.value) }
        let zones: JSONValue = .object([
            ("added", .array(d.zonesAdded.map(JSONValue.string))),
            ("removed", .array(d.zonesRemoved.map(JSONValue.string))),
            ("rangesAdded", .array(d.zoneRangesAdded.map(zoneRange))),
            ("rangesRemoved", .array(d.zoneRangesRemoved.map(zoneRange))),
        ])
        let mongos: JSONValue = .object([
            ("added", .array(d.mongosAdded.map(mongos))),
            ("removed", .array(d.mongosRemoved.map(mongos))),
            ("upgraded", .array(d.mongosVersions.map(mongosVersion))),
        ])
        let clusterId: JSONValue = d.clusterId.map(change) ?? .null
        let settings: [JSONValue] = d.settings.map(change)
        let distribution: [JSONValue] = d.distribution.map(distribution)
        return .object([
            ("equal", .bool(d.isEmpty)),
            ("a", side(a)),
            ("b", side(b)),
            ("clusterId", clusterId),
            ("shards", shards),
            ("databases", databases),
            ("collections", collections),
            ("distribution", .array(distribution)),
            ("chunkChanges", .array(walked)),
            ("zones", zones),
            ("settings", .array(settings)),
            ("mongos", mongos),
            ("examplesLimit", .int(Int64(limit))),
            ("rangesCompared", .bool(rangesCompared)),
        ])
    }

    static func collectionChange(_ c: ClusterDiff.Changed) -> JSONValue {
        let rekeyed = c.changes.contains { $0.field == "key" || $0.field == "unique" }
        let changes: [JSONValue] = c.changes.map(change)
        return .object([("ns", .string(c.id)), ("changes", .array(changes)), ("rekeyed", .bool(rekeyed))])
    }
    static func mongosVersion(_ m: ClusterDiff.MongosVersion) -> JSONValue {
        .object([("host", .string(m.host)), ("before", .optional(m.before)), ("after", .optional(m.after)),
                 ("direction", .string(m.upgrade ? "up" : "down"))])
    }

    static func side(_ s: ClusterSnapshot) -> JSONValue {
        var pairs: [(String, JSONValue)] = []
        if case .object(let src) = StatusJSON.source(s.source) { pairs = src }
        pairs.append(("asOf", .string(ISO8601.string(s.asOf))))
        pairs.append(("clusterId", .optional(s.clusterId)))
        return .object(pairs)
    }

    static func change(_ c: ClusterDiff.FieldChange) -> JSONValue {
        .object([("field", .string(c.field)), ("before", c.before), ("after", c.after)])
    }
    static func changed(_ c: ClusterDiff.Changed, idKey: String) -> JSONValue {
        .object([(idKey, .string(c.id)), ("changes", .array(c.changes.map(change)))])
    }
    static func shard(_ s: Shard) -> JSONValue {
        .object([("id", .string(s.id)), ("host", .string(s.host)), ("draining", .bool(s.draining)), ("zones", .array(s.zones.map(JSONValue.string)))])
    }
    static func database(_ d: DatabaseInfo) -> JSONValue { .object([("name", .string(d.name)), ("primary", .string(d.primary))]) }
    static func collection(_ c: ShardedCollection) -> JSONValue {
        .object([("ns", .string(c.ns)), ("key", c.key.document.relaxedExtendedJSON), ("unique", .bool(c.unique))])
    }
    static func delta(_ d: ClusterDiff.Delta) -> JSONValue {
        .object([("before", .int(d.before)), ("after", .int(d.after)), ("delta", .int(d.delta))])
    }
    static func distribution(_ x: ClusterDiff.Distribution) -> JSONValue {
        .object([
            ("ns", .string(x.ns)),
            ("chunks", delta(x.chunks)),
            ("dataBytes", x.dataBytes.map(delta) ?? .null),
            ("shards", .array(x.shards.map { s in
                .object([("shard", .string(s.shard)), ("chunks", delta(s.chunks)), ("dataBytes", s.dataBytes.map(delta) ?? .null)])
            })),
        ])
    }
    static func chunkChanges(_ ns: String, _ c: ChunkChanges) -> JSONValue {
        .object([
            ("ns", .string(ns)),
            ("chunksBefore", .int(Int64(c.chunksBefore))),
            ("chunksAfter", .int(Int64(c.chunksAfter))),
            ("unchanged", .int(Int64(c.unchanged))),
            ("moved", .int(Int64(c.count(.moved)))),
            ("split", .int(Int64(c.count(.split)))),
            ("splitPieces", .int(Int64(c.splitPieces))),
            ("splitAndMoved", .int(Int64(c.splitAndMoved))),
            ("merged", .int(Int64(c.count(.merged)))),
            ("mergedPieces", .int(Int64(c.mergedPieces))),
            ("mergedAcrossShards", .int(Int64(c.mergedAndMoved))),
            ("reshaped", .int(Int64(c.count(.reshaped)))),
            ("examples", .object(ChunkChanges.Kind.allCases.map { k in
                (k.rawValue, .array(c.examples(k).map { x in
                    .object([("min", x.min.relaxedExtendedJSON), ("max", x.max.relaxedExtendedJSON),
                             ("from", .array(x.fromShards.map(JSONValue.string))), ("to", .array(x.toShards.map(JSONValue.string))),
                             ("chunksBefore", .int(Int64(x.before))), ("chunksAfter", .int(Int64(x.after)))])
                }))
            })),
        ])
    }
    static func zoneRange(_ r: ZoneRange) -> JSONValue {
        .object([("ns", .string(r.ns)), ("zone", .string(r.zone)), ("min", r.min.relaxedExtendedJSON), ("max", r.max.relaxedExtendedJSON)])
    }
    static func mongos(_ m: Mongos) -> JSONValue { .object([("host", .string(m.host)), ("version", .optional(m.version))]) }
}
