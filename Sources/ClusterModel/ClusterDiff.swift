import Foundation

/// What changed between two snapshots of a cluster (A, the earlier state, and B, the later one).
/// A pure function of the two values: `ClusterDiff(a, b)`. Chunk-level changes (moves, splits, merges)
/// need the chunks themselves, which a snapshot does not hold: the caller walks them with `ChunkWalk`
/// and stores the result in `chunkChanges`.
///
/// Not compared: the capture moments, the changelog and balancer rounds (history, not state), mongos
/// pings and uptimes, migrations in flight, load warnings.
public struct ClusterDiff: Equatable, Sendable {
    /// One field that differs, values as JSON (so text and `--json` show the same thing).
    public struct FieldChange: Equatable, Sendable {
        public var field: String
        public var before: JSONValue
        public var after: JSONValue
        public init(_ field: String, _ before: JSONValue, _ after: JSONValue) { self.field = field; self.before = before; self.after = after }
    }
    /// An object present in both whose fields differ.
    public struct Changed: Equatable, Sendable {
        public var id: String
        public var changes: [FieldChange]
        public init(id: String, changes: [FieldChange]) { self.id = id; self.changes = changes }
    }
    /// Before, after and the difference of a number.
    public struct Delta: Hashable, Sendable {
        public var before: Int64
        public var after: Int64
        public init(_ before: Int64, _ after: Int64) { self.before = before; self.after = after }
        public var delta: Int64 { after - before }
    }
    /// A collection's chunks (and data, where both states have `$shardedDataDistribution`) per shard.
    public struct Distribution: Hashable, Sendable {
        public struct PerShard: Hashable, Sendable {
            public var shard: String
            public var chunks: Delta
            public var dataBytes: Delta?
        }
        public var ns: String
        public var chunks: Delta
        public var dataBytes: Delta?
        /// Every shard holding chunks of the collection in A or B, sorted by id.
        public var shards: [PerShard]
    }
    public struct MongosVersion: Hashable, Sendable {
        public var host: String
        public var before: String?
        public var after: String?
        /// True when the version went up (numeric, dotted), false when it went down.
        public var upgrade: Bool { ClusterDiff.compareVersions(before ?? "", after ?? "") < 0 }
    }

    public var clusterId: FieldChange?
    public var shardsAdded: [Shard] = []
    public var shardsRemoved: [Shard] = []
    public var shardsChanged: [Changed] = []
    public var databasesAdded: [DatabaseInfo] = []
    public var databasesRemoved: [DatabaseInfo] = []
    public var databasesChanged: [Changed] = []
    public var collectionsSharded: [ShardedCollection] = []
    public var collectionsDropped: [ShardedCollection] = []
    /// Present in both; `changes` names key, unique, uuid (re-created), balancing …
    public var collectionsChanged: [Changed] = []
    /// Collections whose chunks (or data) per shard differ, sorted by ns.
    public var distribution: [Distribution] = []
    public var zonesAdded: [String] = []
    public var zonesRemoved: [String] = []
    public var zoneRangesAdded: [ZoneRange] = []
    public var zoneRangesRemoved: [ZoneRange] = []
    /// Balancer, chunk size, autosplit, automerge.
    public var settings: [FieldChange] = []
    public var mongosAdded: [Mongos] = []
    public var mongosRemoved: [Mongos] = []
    public var mongosVersions: [MongosVersion] = []
    /// Chunk-level changes by ns, for collections present in both with the same key (filled by the caller).
    public var chunkChanges: [String: ChunkChanges] = [:]

    /// Nothing differs.
    public var isEmpty: Bool {
        clusterId == nil && shardsAdded.isEmpty && shardsRemoved.isEmpty && shardsChanged.isEmpty
            && databasesAdded.isEmpty && databasesRemoved.isEmpty && databasesChanged.isEmpty
            && collectionsSharded.isEmpty && collectionsDropped.isEmpty && collectionsChanged.isEmpty
            && distribution.isEmpty && zonesAdded.isEmpty && zonesRemoved.isEmpty
            && zoneRangesAdded.isEmpty && zoneRangesRemoved.isEmpty && settings.isEmpty
            && mongosAdded.isEmpty && mongosRemoved.isEmpty && mongosVersions.isEmpty
            && chunkChanges.values.allSatisfy(\.isEmpty)
    }

    /// Collections whose chunks can be walked range by range: present in both with the same shard key.
    public static func walkable(_ a: ClusterSnapshot, _ b: ClusterSnapshot) -> [(a: ShardedCollection, b: ShardedCollection)] {
        let inB = Dictionary(b.collections.map { ($0.ns, $0) }, uniquingKeysWith: { x, _ in x })
        return a.collections.compactMap { ca in
            guard let cb = inB[ca.ns], ca.key == cb.key else { return nil }
            return (ca, cb)
        }.sorted { $0.a.ns < $1.a.ns }
    }

    public init(_ a: ClusterSnapshot, _ b: ClusterSnapshot) {
        if a.clusterId != b.clusterId { clusterId = FieldChange("clusterId", .optional(a.clusterId), .optional(b.clusterId)) }
        diffShards(a, b)
        diffDatabases(a, b)
        diffCollections(a, b)
        distribution = Self.distribution(a, b)
        diffZones(a, b)
        settings = Self.settings(a.balancer, b.balancer)
        diffMongos(a, b)
    }

    // MARK: shards, databases, collections

    mutating func diffShards(_ a: ClusterSnapshot, _ b: ClusterSnapshot) {
        let (added, removed, both) = Self.match(a.shards, b.shards, id: \.id)
        shardsAdded = added; shardsRemoved = removed
        shardsChanged = both.compactMap { x, y in
            var c: [FieldChange] = []
            if x.host != y.host { c.append(.init("host", .string(x.host), .string(y.host))) }
            if x.state != y.state { c.append(.init("state", .optional(x.state), .optional(y.state))) }
            if x.draining != y.draining { c.append(.init("draining", .bool(x.draining), .bool(y.draining))) }
            if Set(x.zones) != Set(y.zones) {
                c.append(.init("zones", .array(x.zones.sorted().map(JSONValue.string)), .array(y.zones.sorted().map(JSONValue.string))))
            }
            return c.isEmpty ? nil : Changed(id: x.id, changes: c)
        }
    }

    mutating func diffDatabases(_ a: ClusterSnapshot, _ b: ClusterSnapshot) {
        let (added, removed, both) = Self.match(a.databases, b.databases, id: \.name)
        databasesAdded = added; databasesRemoved = removed
        databasesChanged = both.compactMap { x, y in
            x.primary == y.primary ? nil : Changed(id: x.name, changes: [.init("primary", .string(x.primary), .string(y.primary))])
        }
    }

    mutating func diffCollections(_ a: ClusterSnapshot, _ b: ClusterSnapshot) {
        let (added, removed, both) = Self.match(a.collections, b.collections, id: \.ns)
        collectionsSharded = added; collectionsDropped = removed
        collectionsChanged = both.compactMap { x, y in
            var c: [FieldChange] = []
            if x.key != y.key { c.append(.init("key", x.key.document.relaxedExtendedJSON, y.key.document.relaxedExtendedJSON)) }
            if x.unique != y.unique { c.append(.init("unique", .bool(x.unique), .bool(y.unique))) }
            if let u = x.uuid, let v = y.uuid, u != v { c.append(.init("uuid", u.relaxedExtendedJSON, v.relaxedExtendedJSON)) }
            if x.balancing != y.balancing { c.append(.init("balancing", .bool(x.balancing), .bool(y.balancing))) }
            if x.maxChunkSizeBytes != y.maxChunkSizeBytes {
                c.append(.init("maxChunkSizeBytes", .optional(x.maxChunkSizeBytes), .optional(y.maxChunkSizeBytes)))
            }
            if x.defragmenting != y.defragmenting { c.append(.init("defragmenting", .bool(x.defragmenting), .bool(y.defragmenting))) }
            if x.enableAutoMerge != y.enableAutoMerge { c.append(.init("enableAutoMerge", .optional(x.enableAutoMerge), .optional(y.enableAutoMerge))) }
            if x.resharding != y.resharding { c.append(.init("resharding", .bool(x.resharding), .bool(y.resharding))) }
            return c.isEmpty ? nil : Changed(id: x.ns, changes: c)
        }
    }

    /// Items only in `b`, only in `a`, and pairs in both (sorted by id).
    static func match<T, K: Comparable & Hashable>(_ a: [T], _ b: [T], id: KeyPath<T, K>) -> (added: [T], removed: [T], both: [(T, T)]) {
        let byA = Dictionary(a.map { ($0[keyPath: id], $0) }, uniquingKeysWith: { x, _ in x })
        let byB = Dictionary(b.map { ($0[keyPath: id], $0) }, uniquingKeysWith: { x, _ in x })
        let added = byB.filter { byA[$0.key] == nil }.sorted { $0.key < $1.key }.map(\.value)
        let removed = byA.filter { byB[$0.key] == nil }.sorted { $0.key < $1.key }.map(\.value)
        let both = byA.compactMap { k, x in byB[k].map { (k, x, $0) } }.sorted { $0.0 < $1.0 }.map { ($0.1, $0.2) }
        return (added, removed, both)
    }

    // MARK: distribution

    /// Chunks (and data) per shard for every collection of A or B whose numbers differ.
    public static func distribution(_ a: ClusterSnapshot, _ b: ClusterSnapshot) -> [Distribution] {
        let names = Set(a.collections.map(\.ns)).union(b.collections.map(\.ns)).union(a.distribution.keys).union(b.distribution.keys)
        return names.sorted().compactMap { ns in
            let ca = Dictionary(a.chunkCounts(for: ns).map { ($0.shard, $0.chunks) }, uniquingKeysWith: +)
            let cb = Dictionary(b.chunkCounts(for: ns).map { ($0.shard, $0.chunks) }, uniquingKeysWith: +)
            // Data only where both states have `$shardedDataDistribution` for the collection.
            let da = a.dataDistribution?[ns].map { Dictionary($0.map { ($0.shard, $0.ownedSizeBytes) }, uniquingKeysWith: +) }
            let db = b.dataDistribution?[ns].map { Dictionary($0.map { ($0.shard, $0.ownedSizeBytes) }, uniquingKeysWith: +) }
            let withData = da != nil && db != nil
            let shards = Set(ca.keys).union(cb.keys).union(withData ? Set(da!.keys).union(db!.keys) : []).sorted()
            let rows = shards.map { s in
                Distribution.PerShard(shard: s, chunks: Delta(Int64(ca[s] ?? 0), Int64(cb[s] ?? 0)),
                                      dataBytes: withData ? Delta(da![s] ?? 0, db![s] ?? 0) : nil)
            }
            guard rows.contains(where: { $0.chunks.delta != 0 || ($0.dataBytes.map { $0.delta != 0 } ?? false) }) else { return nil }
            let total = Delta(rows.reduce(0) { $0 + $1.chunks.before }, rows.reduce(0) { $0 + $1.chunks.after })
            let data = withData ? Delta(rows.reduce(0) { $0 + ($1.dataBytes?.before ?? 0) }, rows.reduce(0) { $0 + ($1.dataBytes?.after ?? 0) }) : nil
            return Distribution(ns: ns, chunks: total, dataBytes: data, shards: rows)
        }
    }

    // MARK: zones, settings, mongos

    mutating func diffZones(_ a: ClusterSnapshot, _ b: ClusterSnapshot) {
        let za = Set(a.zones), zb = Set(b.zones)
        zonesAdded = zb.subtracting(za).sorted()
        zonesRemoved = za.subtracting(zb).sorted()
        let ra = Set(a.zoneRanges), rb = Set(b.zoneRanges)
        let order: (ZoneRange, ZoneRange) -> Bool = { x, y in
            x.ns != y.ns ? x.ns < y.ns : BSONDocument.compareKeys(x.min, y.min) != 0 ? BSONDocument.compareKeys(x.min, y.min) < 0 : x.zone < y.zone
        }
        zoneRangesAdded = rb.subtracting(ra).sorted(by: order)
        zoneRangesRemoved = ra.subtracting(rb).sorted(by: order)
    }

    public static func settings(_ x: BalancerSettings, _ y: BalancerSettings) -> [FieldChange] {
        var c: [FieldChange] = []
        func window(_ w: BalancerSettings.Window?) -> JSONValue {
            w.map { .object([("start", .string($0.start)), ("stop", .string($0.stop))]) } ?? .null
        }
        if x.stopped != y.stopped { c.append(.init("balancer.stopped", .bool(x.stopped), .bool(y.stopped))) }
        if x.mode != y.mode { c.append(.init("balancer.mode", .optional(x.mode), .optional(y.mode))) }
        if x.activeWindow != y.activeWindow { c.append(.init("balancer.activeWindow", window(x.activeWindow), window(y.activeWindow))) }
        if x.secondaryThrottle != y.secondaryThrottle {
            c.append(.init("balancer.secondaryThrottle", x.secondaryThrottle?.relaxedExtendedJSON ?? .null, y.secondaryThrottle?.relaxedExtendedJSON ?? .null))
        }
        if x.waitForDelete != y.waitForDelete { c.append(.init("balancer.waitForDelete", .optional(x.waitForDelete), .optional(y.waitForDelete))) }
        if x.chunkSizeMB != y.chunkSizeMB { c.append(.init("chunkSizeMB", .optional(x.chunkSizeMB), .optional(y.chunkSizeMB))) }
        if x.autosplit != y.autosplit { c.append(.init("autosplit", .optional(x.autosplit), .optional(y.autosplit))) }
        if x.automerge != y.automerge { c.append(.init("automerge", .optional(x.automerge), .optional(y.automerge))) }
        return c
    }

    mutating func diffMongos(_ a: ClusterSnapshot, _ b: ClusterSnapshot) {
        let (added, removed, both) = Self.match(a.mongos, b.mongos, id: \.host)
        mongosAdded = added; mongosRemoved = removed
        mongosVersions = both.compactMap { x, y in x.version == y.version ? nil : MongosVersion(host: x.host, before: x.version, after: y.version) }
    }

    /// Dotted versions compared numerically ("7.0.14" < "8.0.1"); non-numeric parts compare as text.
    public static func compareVersions(_ x: String, _ y: String) -> Int {
        let p = x.split(whereSeparator: { $0 == "." || $0 == "-" }), q = y.split(whereSeparator: { $0 == "." || $0 == "-" })
        for i in 0..<max(p.count, q.count) {
            let u = i < p.count ? String(p[i]) : "0", v = i < q.count ? String(q[i]) : "0"
            if let m = Int(u), let n = Int(v) { if m != n { return m < n ? -1 : 1 } }
            else if u != v { return u < v ? -1 : 1 }
        }
        return 0
    }
}
