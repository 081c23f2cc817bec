import Foundation
import ClusterModel

/// The built-in demo as a metadata source. Frozen at the initial state (deterministic output for
/// `status`), or `evolving`: each call first advances the simulation by the wall-clock time since the
/// previous call, so the TUI's panes move. Calls are serialised by a lock.
public final class DemoSource: MetadataSource, @unchecked Sendable {
    public let info: SourceInfo
    public let evolving: Bool
    private var cluster: DemoCluster
    private var lastCall: Date?
    private let clock: () -> Date
    private let options: LoadOptions
    private let lock = NSLock()

    /// - Parameters:
    ///   - totalChunks: the demo's size; nil = `DemoCluster.naturalChunks`.
    ///   - clock: wall clock for `evolving` (tests pass their own).
    public init(seed: UInt64 = 1, shape: DemoCluster.Shape = .v7_0, evolving: Bool = false, totalChunks: Int? = nil,
                options: LoadOptions = LoadOptions(), clock: @escaping () -> Date = Date.init) {
        cluster = DemoCluster(seed: seed, shape: shape, totalChunks: totalChunks)
        info = SourceInfo(kind: .demo, display: "demo (seed \(seed))")
        self.evolving = evolving
        self.options = options
        self.clock = clock
    }

    /// A frozen source over a given simulation state (e.g. advanced to a later moment, for `diff`).
    public init(cluster: DemoCluster, display: String, options: LoadOptions = LoadOptions()) {
        self.cluster = cluster
        info = SourceInfo(kind: .demo, display: display)
        evolving = false
        self.options = options
        clock = Date.init
    }

    /// The simulated clock.
    public var now: Date { lock.withLock { cluster.now } }

    /// Runs `body` on the simulation, after advancing it when evolving.
    private func withCluster<T>(_ body: (inout DemoCluster) throws -> T) rethrows -> T {
        try lock.withLock {
            if evolving {
                let t = clock()
                // A long pause (a suspended laptop) advances at most a minute.
                if let last = lastCall { cluster.advance(by: min(60, max(0, t.timeIntervalSince(last)))) }
                lastCall = t
            }
            return try body(&cluster)
        }
    }

    public func snapshot(progress: ((LoadProgress) -> Void)?) throws -> ClusterSnapshot {
        let (raw, asOf) = withCluster { c in (c.rawConfig(options: options), c.now) }
        progress?(.chunks(scanned: raw.chunkGroups.reduce(0) { $0 + $1.chunks }, bytesRead: nil, totalBytes: nil))
        return SnapshotBuilder.build(raw, source: info, asOf: asOf, options: options)
    }

    public func chunks(of collection: ShardedCollection, after: BSONDocument?, limit: Int) throws -> [Chunk] {
        let docs = withCluster { c -> [BSONDocument] in
            guard let ci = c.collectionIndex(collection.ns) else { return [] }
            let start = after.map { c.chunkIndex(c.colls[ci], containing: $0).map { $0 + 1 } ?? Int.max } ?? 0
            return c.chunkDocuments(of: collection.ns, from: start, limit: limit)
        }
        return try docs.map(ChunkDecoder.decode)
    }

    public func chunk(of collection: ShardedCollection, containing key: BSONDocument) throws -> Chunk? {
        let doc = withCluster { c -> BSONDocument? in
            guard let ci = c.collectionIndex(collection.ns), let i = c.chunkIndex(c.colls[ci], containing: key) else { return nil }
            return c.chunkDocument(c.colls[ci], i)
        }
        return try doc.map(ChunkDecoder.decode)
    }

    public func changelog(newerThan time: Date, limit: Int) throws -> [ChangelogEntry] {
        var raw = RawConfig()
        raw.changelog = withCluster { c in c.changelog.filter { ($0["time"]?.dateValue ?? .distantPast) > time } }
        // One decoding path: the snapshot builder's, which also sorts newest first.
        let snap = SnapshotBuilder.build(raw, source: info, asOf: nil, options: LoadOptions(changelogLimit: limit))
        return Array(snap.changelog.prefix(limit))
    }

    /// A copy of the simulation as it is now (for dumps and tests).
    public var simulation: DemoCluster { lock.withLock { cluster } }
}
