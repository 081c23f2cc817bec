import Foundation
import ClusterModel

/// A deterministic simulated sharded cluster: the same seed, shape, size and simulated time give
/// byte-identical config documents. Chunks are held as compact records (no documents), so a
/// million-chunk cluster costs tens of MB; chunk documents are built one at a time when asked for.
public struct DemoCluster: Sendable {
    /// Which server version's config-database layout the documents follow.
    public enum Shape: String, CaseIterable, Sendable {
        case v4_4 = "4.4", v5_0 = "5.0", v7_0 = "7.0", v8_0 = "8.0"
        var atLeast5: Bool { self != .v4_4 }
        var atLeast7: Bool { self == .v7_0 || self == .v8_0 }
    }

    /// The simulated "now" of a fresh cluster: 2026-11-20T22:40:00Z, 40 minutes into the balancer's window.
    public static let epoch = Date(timeIntervalSince1970: 1_795_214_400)
    static let epochMs: Int64 = 1_795_214_400_000
    /// The balancer's active window ("HH:MM", the config primary's time zone, which is UTC here); it wraps midnight.
    public static let windowStart = "22:00", windowStop = "06:00"
    /// Chunks of a default-sized demo.
    public static let naturalChunks = 3000
    /// The config collections `documents()` returns, in dump order.
    public static let collectionNames = ["shards", "databases", "collections", "chunks", "tags", "mongos",
                                         "settings", "version", "changelog", "actionlog", "migrations"]
    /// The changelog is capped: the newest this many entries are kept (the actionlog likewise).
    public static let changelogCap = 1000

    public let seed: UInt64
    public let shape: Shape
    /// Simulated time.
    public var now: Date { Date(timeIntervalSince1970: Double(nowMs) / 1000) }

    // MARK: state
    var rng: SplitMix64
    var nowMs: Int64
    let shards: [SimShard]
    var colls: [SimCollection]
    var changelog: [BSONDocument] = []
    var actionlog: [BSONDocument] = []
    var inFlight: Migration?
    var nextEventMs: Int64 = 0
    var nextRoundMs: Int64 = 0
    var oidCounter: UInt32
    var initialChunks = 0
    let oidMachine: [UInt8]
    let clusterId: ObjectId

    /// - Parameter totalChunks: chunks in `config.chunks` at the start (at least 60); nil = `naturalChunks`.
    public init(seed: UInt64 = 1, shape: Shape = .v7_0, totalChunks: Int? = nil) {
        self.seed = seed
        self.shape = shape
        var rng = SplitMix64(seed: seed ^ 0x5348_4152_4453_4350)
        nowMs = Int64(Self.epoch.timeIntervalSince1970 * 1000)
        oidMachine = rng.bytes(5)
        oidCounter = UInt32(truncatingIfNeeded: rng.next()) & 0x3f_ffff
        shards = Self.makeShards(shape)
        let cid = ObjectId(bytes: Self.be32(1_785_747_600) + rng.bytes(8))
        clusterId = cid
        colls = []
        self.rng = rng
        buildCollections(total: max(60, totalChunks ?? Self.naturalChunks))
        initialChunks = colls.reduce(0) { $0 + $1.chunks.count }
        backfillHistory()
        nextEventMs = nowMs + 150
        nextRoundMs = inFlight?.endsMs ?? nowMs + 1_000
    }

    // MARK: simulated records

    struct SimShard: Sendable {
        var id: String
        var host: String
        var primary: String       // the host:port that writes its changelog entries
        var zones: [String]
        var draining: Bool
        var addedMs: Int64
    }

    enum KeyKind: Sendable {
        case int(String)                          // { customerId: 1 }, NumberLong values
        case string(String, prefix: String)       // { accountId: 1 }, "ACC-000000000123"
        case compound(String, [String], String)   // { region: 1, userId: 1 }
        case hashed(String)                       // { deviceId: "hashed" }
        case objectId(String)                     // { _id: 1 }
    }

    struct CollSpec: Sendable {
        var ns: String
        var kind: KeyKind
        var unique = false
        var noBalance = false
        var weight: Double                        // share of the chunks
        var placement: [String: Double] = [:]     // shard weights where no zone applies (default 1)
        var zones: [(zone: String, lo: Int64, hi: Int64)] = []
        var unsplittable = false
        var createdMs: Int64
    }

    /// One chunk: its range starts at `lo` (a position in the collection's key space) and ends where
    /// the next one starts.
    struct SimChunk: Sendable {
        var lo: Int64
        var shard: UInt8
        var jumbo = false
        var legacyId = false
        var major: UInt32
        var minor: UInt32
        var created: UInt32       // ObjectId time
        var counter: UInt32       // ObjectId counter
        var since: UInt32         // on its current shard since (seconds)
    }

    struct SimCollection: Sendable {
        var spec: CollSpec
        var uuid: [UInt8]
        var epoch: ObjectId
        var chunks: [SimChunk]
        var major: UInt32
        var minor: UInt32
        var counts: [Int]         // chunks per shard index
        var space: Int64 { DemoCluster.space(spec.kind) }
        func hi(_ i: Int) -> Int64 { i + 1 < chunks.count ? chunks[i + 1].lo : space }
        func zone(at pos: Int64) -> String? { spec.zones.first { pos >= $0.lo && pos < $0.hi }?.zone }
    }

    struct Migration: Sendable {
        var coll: Int
        var lo: Int64
        var from: UInt8
        var to: UInt8
        var startedMs: Int64
        var endsMs: Int64
    }

    // MARK: the cluster's layout

    static func makeShards(_ shape: Shape) -> [SimShard] {
        let day: Int64 = 86_400_000
        let born: Int64 = 1_785_747_600_000
        let zones: [[String]] = [["EU"], ["EU", "APAC"], ["US"], ["US", "APAC"], []]
        var out: [SimShard] = (0..<5).map { n in
            let members = ["a", "b", "c"].map { "shard\(n)-\($0).demo.net:27018" }
            var host = "rs\(n)/" + members.joined(separator: ",")
            if shape == .v4_4 && n == 3 { host = "shard3.demo.net:27018" }
            return SimShard(id: "shard\(n)", host: host, primary: members[0], zones: zones[n],
                            draining: n == 4, addedMs: born + Int64(n) * day + (n == 4 ? 60 * day : 0))
        }
        if shape == .v8_0 {
            let members = ["a", "b", "c"].map { "cfg-\($0).demo.net:27019" }
            out.insert(SimShard(id: "config", host: "configRS/" + members.joined(separator: ","), primary: members[0],
                                zones: [], draining: false, addedMs: born + 90 * day), at: 0)
        }
        return out
    }

    static let regions = ["apac", "eu", "us"]
    static let regionSpan: Int64 = 1 << 36

    static func space(_ kind: KeyKind) -> Int64 {
        switch kind {
        case .string: return 1_000_000_000_000
        case .compound: return Int64(regions.count) * regionSpan
        default: return 1 << 40
        }
    }

    func specs() -> [CollSpec] {
        let day: Int64 = 86_400_000
        let base: Int64 = 1_785_747_600_000
        let span = Self.regionSpan
        var s: [CollSpec] = [
            CollSpec(ns: "shop.orders", kind: .int("customerId"), weight: 0.40,
                     placement: ["shard0": 7, "shard4": 0.6, "config": 0.3], createdMs: base + 5 * day),
            CollSpec(ns: "shop.users", kind: .compound("region", Self.regions, "userId"), unique: true, weight: 0.14,
                     zones: [("APAC", 0, span), ("EU", span, 2 * span), ("US", 2 * span, 3 * span)], createdMs: base + 6 * day),
            CollSpec(ns: "iot.events", kind: .hashed("deviceId"), weight: 0.28, placement: ["shard4": 0.5],
                     createdMs: base + 20 * day),
            CollSpec(ns: "analytics.sessions", kind: .objectId("_id"), noBalance: true, weight: 0.08,
                     placement: ["shard1": 4, "shard2": 1, "shard0": 0.2, "shard3": 0, "shard4": 0, "config": 0],
                     createdMs: base + 40 * day),
            CollSpec(ns: "accounts.ledger", kind: .string("accountId", prefix: "ACC-"), weight: 0.10,
                     zones: [("US", 0, 500_000_000_000), ("EU", 500_000_000_000, 1_000_000_000_000)],
                     createdMs: nowMs - 26 * 3_600_000),
        ]
        if shape == .v8_0 {
            s.append(CollSpec(ns: "logs.audit", kind: .objectId("_id"), weight: 0, unsplittable: true, createdMs: base + 95 * day))
        }
        return s
    }

    /// Databases: name → primary shard (`logs` holds no sharded collection).
    static let databaseList = [("accounts", "shard3"), ("analytics", "shard1"), ("iot", "shard2"), ("logs", "shard0"), ("shop", "shard0")]

    mutating func buildCollections(total: Int) {
        let list = specs()
        let sharded = list.filter { !$0.unsplittable }
        let wsum = sharded.reduce(0) { $0 + $1.weight }
        var budget = total - (list.count - sharded.count)
        for (n, spec) in list.enumerated() {
            let count: Int
            if spec.unsplittable { count = 1 }
            else if n == sharded.count - 1 { count = budget }
            else { count = max(8, Int(Double(total) * spec.weight / wsum)); budget -= count }
            colls.append(makeCollection(spec, chunks: count))
        }
    }

    mutating func makeCollection(_ spec: CollSpec, chunks count: Int) -> SimCollection {
        var uuid = rng.bytes(16)
        uuid[6] = uuid[6] & 0x0f | 0x40
        uuid[8] = uuid[8] & 0x3f | 0x80
        let createdSec = UInt32(spec.createdMs / 1000)
        let epochOid = ObjectId(bytes: Self.be32(createdSec) + rng.bytes(8))
        var c = SimCollection(spec: spec, uuid: uuid, epoch: epochOid, chunks: [], major: 1, minor: 0,
                              counts: Array(repeating: 0, count: shards.count))
        // Chunk boundaries: evenly spread inside each zone segment, so zone ends are chunk ends.
        let space = Self.space(spec.kind)
        let cuts = ([0, space] + spec.zones.flatMap { [$0.lo, $0.hi] }).reduce(into: [Int64]()) { if !$0.contains($1) { $0.append($1) } }.sorted()
        var los: [Int64] = []
        los.reserveCapacity(count)
        let segments = cuts.count - 1
        for k in 0..<segments {
            let a = cuts[k], b = cuts[k + 1]
            let n = k == segments - 1 ? count - los.count : max(1, count / segments)
            let step = (b - a) / Int64(n)
            for j in 0..<Int64(n) {
                // Jitter interior boundaries so keys look organic.
                let jitter = j == 0 ? 0 : Int64(rng.below(Int(max(1, step / 3))))
                los.append(a + j * step + jitter)
            }
        }
        let version = UInt32(8 + rng.below(40))
        let nowSec = UInt32(nowMs / 1000)
        let legacyIds = shape == .v4_4 && spec.createdMs < 1_786_600_000_000  // sharded before the 4.4 upgrade
        // One chunk of accounts.ledger's EU range was left on shard2 (US only) and is jumbo, so the balancer cannot
        // move it back: the audit's "chunk on a shard outside its zone" finding, in every demo.
        let misplaced = spec.ns == "accounts.ledger" ? los.count * 3 / 4 : -1
        for (i, lo) in los.enumerated() {
            var shard = pickShard(spec, zone: spec.zones.first { lo >= $0.lo && lo < $0.hi }?.zone)
            if i == misplaced, let us = shards.firstIndex(where: { $0.id == "shard2" }) { shard = UInt8(us) }
            let created = createdSec + UInt32(rng.below(Int(max(1, nowSec - createdSec))))
            let major = i == 0 ? version : UInt32(1 + rng.below(Int(version)))
            let ch = SimChunk(lo: lo, shard: shard, jumbo: (spec.ns == "shop.orders" && i % 97 == 13) || i == misplaced,
                              legacyId: legacyIds, major: major, minor: UInt32(i), created: created,
                              counter: nextCounter(), since: created + UInt32(rng.below(Int(max(1, nowSec - created)))))
            c.chunks.append(ch)
            c.counts[Int(shard)] += 1
            if major == version { c.minor = UInt32(i) }
        }
        c.major = version
        return c
    }

    mutating func pickShard(_ spec: CollSpec, zone: String?) -> UInt8 {
        if spec.unsplittable, let p = shards.firstIndex(where: { $0.id == "shard0" }) { return UInt8(p) }
        let weights = shards.map { s -> Double in
            if let z = zone { return s.zones.contains(z) ? 1 : 0 }
            return spec.placement[s.id] ?? 1
        }
        return UInt8(rng.weighted(weights))
    }

    mutating func nextCounter() -> UInt32 { oidCounter = (oidCounter &+ 1) & 0xff_ffff; return oidCounter }

    mutating func newObjectId(at ms: Int64) -> ObjectId {
        let c = nextCounter()
        return ObjectId(bytes: Self.be32(UInt32(ms / 1000)) + oidMachine + [UInt8(c >> 16 & 0xff), UInt8(c >> 8 & 0xff), UInt8(c & 0xff)])
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

    // MARK: key space → shard-key documents

    /// The shard-key document at a position: all MinKey at 0, all MaxKey at the end of the space.
    static func bound(_ kind: KeyKind, _ pos: Int64) -> BSONDocument {
        let atMin = pos <= 0, atMax = pos >= space(kind)
        func edge(_ f: String) -> (String, BSONValue) { (f, atMin ? .minKey : .maxKey) }
        let pairs: [(String, BSONValue)]
        switch kind {
        case .int(let f):
            pairs = atMin || atMax ? [edge(f)] : [(f, .int64(pos))]
        case .string(let f, let prefix):
            let digits = String(pos)
            pairs = atMin || atMax ? [edge(f)] : [(f, .string(prefix + String(repeating: "0", count: max(0, 12 - digits.count)) + digits))]
        case .compound(let f, let values, let g):
            let u = pos % regionSpan
            pairs = atMin || atMax ? [edge(f), edge(g)] : [(f, .string(values[Int(pos / regionSpan)])), (g, u == 0 ? .minKey : .int64(u))]
        case .hashed(let f):
            pairs = atMin || atMax ? [edge(f)] : [(f, .int64(Int64(bitPattern: (UInt64(pos) << 24) ^ (1 << 63))))]
        case .objectId(let f):
            let rest = UInt64(pos & 0xffff) << 48 | 0xa1b2_c3d4_e5
            pairs = atMin || atMax ? [edge(f)]
                : [(f, .objectId(ObjectId(bytes: be32(1_780_000_000 + UInt32(pos >> 16)) + (0..<8).map { UInt8(rest >> (56 - 8 * $0) & 0xff) })))]
        }
        return BSONDocument(pairs)
    }

    static func keyPattern(_ kind: KeyKind) -> BSONDocument {
        switch kind {
        case .int(let f), .string(let f, _), .objectId(let f): return [f: .int32(1)]
        case .compound(let f, _, let g): return [f: .int32(1), g: .int32(1)]
        case .hashed(let f): return [f: .string("hashed")]
        }
    }

    /// The pre-5.0 string chunk id: "db.coll-field_value…".
    static func legacyChunkId(_ ns: String, _ min: BSONDocument) -> String {
        ns + "-" + min.elements.map { e -> String in
            switch e.value {
            case .minKey: return e.key + "_MinKey"
            case .maxKey: return e.key + "_MaxKey"
            case .string(let s): return e.key + "_\"\(s)\""
            case .int64(let v): return e.key + "_\(v)"
            case .objectId(let o): return e.key + "_ObjectId('\(o.hex)')"
            default: return e.key + "_?"
            }
        }.joined()
    }

    func minDoc(_ c: SimCollection, _ i: Int) -> BSONDocument { Self.bound(c.spec.kind, c.chunks[i].lo) }
    func maxDoc(_ c: SimCollection, _ i: Int) -> BSONDocument { Self.bound(c.spec.kind, c.hi(i)) }
    func shardId(_ i: UInt8) -> String { shards[Int(i)].id }

    func collectionIndex(_ ns: String) -> Int? { colls.firstIndex { $0.spec.ns == ns } }

    /// The index of the chunk whose range holds `key` (binary search over the boundaries).
    func chunkIndex(_ c: SimCollection, containing key: BSONDocument) -> Int? {
        guard !c.chunks.isEmpty, BSONDocument.compareKeys(minDoc(c, 0), key) <= 0,
              BSONDocument.compareKeys(key, Self.bound(c.spec.kind, c.space)) < 0 else { return nil }
        var lo = 0, hi = c.chunks.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if BSONDocument.compareKeys(minDoc(c, mid), key) <= 0 { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}
