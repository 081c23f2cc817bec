import Foundation

/// Everything one load of the config metadata says: an immutable value. All views and reports
/// are pure functions of it.
public struct ClusterSnapshot: Hashable, Sendable {
    public var source: SourceInfo
    /// The moment the snapshot describes: live, the server's clock (`hello.localTime`); a `shardscope snapshot`,
    /// the server's clock when the capture started (from `shardscope.json`); a plain dump, the newest time found
    /// in it (mongos pings, changelog); demo, the simulated clock. Ages are measured from it.
    public var asOf: Date
    public var clusterId: String?
    public var shards: [Shard]
    public var databases: [DatabaseInfo]
    public var collections: [ShardedCollection]          // sorted by ns
    /// Chunks per shard for each collection, keyed by namespace; shards sorted by id.
    public var distribution: [String: [ShardChunkCount]]
    public var zoneRanges: [ZoneRange]
    public var mongos: [Mongos]
    public var balancer: BalancerSettings
    public var balancerStatus: BalancerStatus?           // live only
    public var changelog: [ChangelogEntry]               // newest first
    public var balancerRounds: [BalancerRound]           // newest first
    public var migrations: [ActiveMigration]
    public var serverVersion: String?                    // buildInfo (live)
    public var defaultRWConcern: BSONDocument?           // getDefaultRWConcern (live)
    /// `$shardedDataDistribution` by namespace, where the server has it (6.0.3+).
    public var dataDistribution: [String: [ShardDataSize]]?
    /// Documents that were skipped or collections that were missing, one line each.
    public var warnings: [String]

    public init(source: SourceInfo, asOf: Date, clusterId: String? = nil, shards: [Shard] = [], databases: [DatabaseInfo] = [],
                collections: [ShardedCollection] = [], distribution: [String: [ShardChunkCount]] = [:], zoneRanges: [ZoneRange] = [],
                mongos: [Mongos] = [], balancer: BalancerSettings = BalancerSettings(), balancerStatus: BalancerStatus? = nil,
                changelog: [ChangelogEntry] = [], balancerRounds: [BalancerRound] = [], migrations: [ActiveMigration] = [],
                serverVersion: String? = nil, defaultRWConcern: BSONDocument? = nil,
                dataDistribution: [String: [ShardDataSize]]? = nil, warnings: [String] = []) {
        self.source = source; self.asOf = asOf; self.clusterId = clusterId; self.shards = shards; self.databases = databases
        self.collections = collections; self.distribution = distribution; self.zoneRanges = zoneRanges; self.mongos = mongos
        self.balancer = balancer; self.balancerStatus = balancerStatus; self.changelog = changelog
        self.balancerRounds = balancerRounds; self.migrations = migrations; self.serverVersion = serverVersion
        self.defaultRWConcern = defaultRWConcern; self.dataDistribution = dataDistribution; self.warnings = warnings
    }

    // MARK: derived views

    public func chunkCounts(for ns: String) -> [ShardChunkCount] { distribution[ns] ?? [] }
    public func totalChunks(for ns: String) -> Int { chunkCounts(for: ns).reduce(0) { $0 + $1.chunks } }
    public func jumboChunks(for ns: String) -> Int { chunkCounts(for: ns).reduce(0) { $0 + $1.jumbo } }
    public var totalChunks: Int { distribution.values.joined().reduce(0) { $0 + $1.chunks } }
    public var totalJumbo: Int { distribution.values.joined().reduce(0) { $0 + $1.jumbo } }

    /// Chunks on each shard across all collections (every known shard present, even with 0).
    public var chunksPerShard: [ShardChunkCount] {
        var by: [String: ShardChunkCount] = [:]
        for s in shards { by[s.id] = ShardChunkCount(shard: s.id, chunks: 0) }
        for c in distribution.values.joined() {
            by[c.shard, default: ShardChunkCount(shard: c.shard, chunks: 0)].chunks += c.chunks
            by[c.shard]!.jumbo += c.jumbo
        }
        return by.values.sorted { $0.shard < $1.shard }
    }

    /// The shards that can receive chunks: those not draining (a draining shard is meant to empty, so its 0 is not an
    /// imbalance); every shard when all of them are draining.
    public var eligibleShards: [String] {
        let e = shards.filter { !$0.draining }
        return (e.isEmpty ? shards : e).map(\.id)
    }

    /// The most and least loaded of `eligibleShards` by `load` (a shard it does not name counts as 0; names that are
    /// not eligible are ignored). Ties go to the lower shard id. nil when there are no shards.
    public func loadExtremes<V: Comparable & AdditiveArithmetic>(_ load: [String: V]) -> (most: (shard: String, value: V), least: (shard: String, value: V))? {
        let per = eligibleShards.map { (shard: $0, value: load[$0] ?? .zero) }
        guard let most = per.max(by: { ($0.value, $1.shard) < ($1.value, $0.shard) }),
              let least = per.min(by: { ($0.value, $0.shard) < ($1.value, $1.shard) }) else { return nil }
        return (most, least)
    }

    /// The most and least loaded eligible shards of a collection by chunk count.
    public func chunkLoadExtremes(for ns: String) -> (most: (shard: String, value: Int), least: (shard: String, value: Int))? {
        loadExtremes(Dictionary(chunkCounts(for: ns).map { ($0.shard, $0.chunks) }, uniquingKeysWith: +))
    }

    /// max − min chunks over `eligibleShards` (shards without chunks of this collection count as 0).
    public func imbalance(for ns: String) -> Int {
        chunkLoadExtremes(for: ns).map { $0.most.value - $0.least.value } ?? 0
    }

    public func zoneRanges(for ns: String) -> [ZoneRange] {
        zoneRanges.filter { $0.ns == ns }.sorted { BSONDocument.compareKeys($0.min, $1.min) < 0 }
    }
    /// Every zone name, from shards and ranges, sorted.
    public var zones: [String] { Array(Set(shards.flatMap(\.zones) + zoneRanges.map(\.zone))).sorted() }

    public func shard(_ id: String) -> Shard? { shards.first { $0.id == id } }
    public func collection(_ ns: String) -> ShardedCollection? { collections.first { $0.ns == ns } }

    // MARK: mongos freshness

    /// The newest ping of any mongos; staleness is measured against it, not the local clock.
    public var newestMongosPing: Date? { mongos.compactMap(\.ping).max() }
    public static let staleMongosSeconds: TimeInterval = 60
    /// A mongos whose ping is more than 60 s older than the newest ping (or has none).
    public func isStale(_ m: Mongos) -> Bool {
        guard let newest = newestMongosPing else { return false }
        guard let ping = m.ping else { return true }
        return newest.timeIntervalSince(ping) > Self.staleMongosSeconds
    }
    public func pingAgeSeconds(_ m: Mongos) -> Double? { m.ping.map { max(0, asOf.timeIntervalSince($0)) } }

    // MARK: balancer window

    /// Whether `asOf` falls inside the active window, read in `timeZone` (the config primary's local time;
    /// the local time zone by default). nil when there is no window or it cannot be parsed.
    public func insideBalancerWindow(timeZone: TimeZone = .current) -> Bool? {
        guard let w = balancer.activeWindow else { return nil }
        return BalancerWindow.contains(start: w.start, stop: w.stop, date: asOf, timeZone: timeZone)
    }
}

public enum BalancerWindow {
    /// Minutes since midnight for "HH:MM" (also accepts "H:MM"); nil if malformed.
    public static func minutes(_ hhmm: String) -> Int? {
        let parts = hhmm.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
        return h * 60 + m
    }
    /// start ≤ now < stop, wrapping midnight when stop < start.
    public static func contains(start: String, stop: String, date: Date, timeZone: TimeZone) -> Bool? {
        guard let a = minutes(start), let b = minutes(stop) else { return nil }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let c = cal.dateComponents([.hour, .minute], from: date)
        let now = (c.hour ?? 0) * 60 + (c.minute ?? 0)
        if a == b { return true }
        return a < b ? (now >= a && now < b) : (now >= a || now < b)
    }
}
