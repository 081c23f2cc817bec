import Foundation

/// What a long load reports as it goes, for progress lines and the TUI header.
public enum LoadProgress: Sendable {
    /// Starting to read one config collection ("chunks", "changelog" …).
    case reading(String)
    /// Chunks scanned so far; `bytesRead`/`totalBytes` where a file size is known.
    case chunks(scanned: Int, bytesRead: Int64?, totalBytes: Int64?)
}

/// A source of cluster metadata: a live cluster, a mongodump directory or the demo.
/// Implementations are used from one background thread at a time; they never write to a cluster.
public protocol MetadataSource: AnyObject {
    var info: SourceInfo { get }
    /// Loads the whole picture. Live: one round of reads (the chunk distribution as one `$group`).
    func snapshot(progress: ((LoadProgress) -> Void)?) throws -> ClusterSnapshot
    /// One page of a collection's chunks ordered by `min`, starting after the chunk whose `min` is `after`
    /// (from the first chunk when nil). Live: one find on the collection's uuid/ns with a key range and a limit.
    func chunks(of collection: ShardedCollection, after: BSONDocument?, limit: Int) throws -> [Chunk]
    /// The chunk whose range holds `key` (min ≤ key < max), if any.
    func chunk(of collection: ShardedCollection, containing key: BSONDocument) throws -> Chunk?
    /// Changelog entries newer than `time`, newest first (live: a find with `time > newest seen`).
    func changelog(newerThan time: Date, limit: Int) throws -> [ChangelogEntry]
    /// At most `limit` chunks of a collection matching `query`, ordered by `min` (the audit's jumbo and zone checks).
    /// Live: one find with the query as its filter. The default pages through `chunks(of:after:limit:)` and filters
    /// (`ChunkFacts.gather` does not use it for other sources: it walks each collection once instead).
    func chunks(of collection: ShardedCollection, matching query: ChunkQuery, limit: Int) throws -> [Chunk]
}

/// Which chunks the audit asks for: jumbo ones, and/or those lying inside [min, max) on a shard not in `notOn`.
public struct ChunkQuery: Sendable {
    public var jumboOnly: Bool
    public var within: (min: BSONDocument, max: BSONDocument)?
    public var notOn: [String]
    public init(jumboOnly: Bool = false, within: (min: BSONDocument, max: BSONDocument)? = nil, notOn: [String] = []) {
        self.jumboOnly = jumboOnly; self.within = within; self.notOn = notOn
    }
    /// The one membership check (the default `chunks(of:matching:limit:)` and `ChunkFacts.add` both use it; live, the
    /// same conditions are the find's filter): jumbo if asked, min ≥ within.min and max ≤ within.max, shard not in `notOn`.
    public func matches(_ c: Chunk) -> Bool {
        if jumboOnly && !c.jumbo { return false }
        if let w = within, BSONDocument.compareKeys(c.min, w.min) < 0 || BSONDocument.compareKeys(c.max, w.max) > 0 { return false }
        return !notOn.contains(c.shard)
    }
}

extension MetadataSource {
    public func chunks(of collection: ShardedCollection, matching query: ChunkQuery, limit: Int) throws -> [Chunk] {
        guard limit > 0 else { return [] }
        var out: [Chunk] = []
        var after: BSONDocument?
        let page = 5000
        while true {
            let chunks = try self.chunks(of: collection, after: after, limit: page)
            for c in chunks {
                // Ordered by min: past the range's end nothing more can match.
                if let w = query.within, BSONDocument.compareKeys(c.min, w.max) >= 0 { return out }
                if query.matches(c) { out.append(c); if out.count == limit { return out } }
            }
            guard chunks.count == page, let last = chunks.last else { return out }
            after = last.min
        }
    }
}

/// Knobs for a load.
public struct LoadOptions: Sendable {
    public var changelogLimit: Int = 200          // newest N changelog entries
    public var actionlogLimit: Int = 50           // newest N balancer rounds
    public var timeout: TimeInterval = 5          // server selection / socket timeout, seconds
    public init(changelogLimit: Int = 200, actionlogLimit: Int = 50, timeout: TimeInterval = 5) {
        self.changelogLimit = changelogLimit; self.actionlogLimit = actionlogLimit; self.timeout = timeout
    }
}
