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
