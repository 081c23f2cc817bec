import Foundation
import ClusterModel

/// Chunks of one collection on one shard, as counted by a source: a server-side `$group` (live),
/// a streaming scan of chunks.bson (dump) or the simulator's chunk list (demo).
public struct ChunkGroup: Hashable, Sendable {
    /// How the chunk documents name their collection: `uuid` (5.0+) or `ns`.
    public var owner: ChunkKeying
    public var shard: String
    public var chunks: Int
    public var jumbo: Int
    public init(owner: ChunkKeying, shard: String, chunks: Int, jumbo: Int) {
        self.owner = owner; self.shard = shard; self.chunks = chunks; self.jumbo = jumbo
    }
}

/// The raw documents of one load, before schema decoding. Every source fills this and hands it to
/// `SnapshotBuilder`, so live, dump and demo go through one decoding path.
public struct RawConfig: Sendable {
    public var shards: [BSONDocument] = []
    public var databases: [BSONDocument] = []
    public var collections: [BSONDocument] = []
    public var tags: [BSONDocument] = []
    public var mongos: [BSONDocument] = []
    public var settings: [BSONDocument] = []
    public var version: [BSONDocument] = []
    public var migrations: [BSONDocument] = []
    public var changelog: [BSONDocument] = []     // newest N (any order; the builder sorts)
    public var actionlog: [BSONDocument] = []     // newest N balancer rounds (any order)
    public var chunkGroups: [ChunkGroup] = []
    // Live only (nil elsewhere).
    public var balancerStatus: BSONDocument?
    public var buildInfo: BSONDocument?
    public var defaultRWConcern: BSONDocument?
    public var shardedDataDistribution: [BSONDocument]?
    /// Problems met while reading (a missing collection file …), carried into the snapshot's warnings.
    public var warnings: [String] = []
    public init() {}
}

extension ChunkKeying {
    /// The collection a chunk document (or a `$group` key over chunks) names: its `uuid` (5.0+) when present
    /// and not null, else its `ns`. nil when it names neither.
    static func owner(of chunk: BSONDocument) -> ChunkKeying? {
        if let uuid = chunk["uuid"], uuid != .null { return .uuid(uuid) }
        return chunk["ns"]?.stringValue.map(ChunkKeying.ns)
    }
}

/// Counts chunk documents per (collection, shard) as they stream past, holding no chunk in memory.
/// A document without a `shard` string or without `uuid`/`ns` is counted in `skipped`.
public struct ChunkTally: Sendable {
    private struct Key: Hashable { var owner: ChunkKeying; var shard: String }
    private var counts: [Key: (chunks: Int, jumbo: Int)] = [:]
    public private(set) var scanned = 0
    public private(set) var skipped = 0
    public init() {}

    public mutating func add(_ chunk: BSONDocument) {
        scanned += 1
        guard let owner = ChunkKeying.owner(of: chunk), let shard = chunk["shard"]?.stringValue else { skipped += 1; return }
        let jumbo = chunk["jumbo"]?.truthy ?? false
        counts[Key(owner: owner, shard: shard), default: (0, 0)].chunks += 1
        if jumbo { counts[Key(owner: owner, shard: shard)]!.jumbo += 1 }
    }

    public var groups: [ChunkGroup] {
        counts.map { ChunkGroup(owner: $0.key.owner, shard: $0.key.shard, chunks: $0.value.chunks, jumbo: $0.value.jumbo) }
    }
}
