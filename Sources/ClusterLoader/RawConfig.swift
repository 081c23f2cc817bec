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
///
/// Two ways in, one count: `add(_:)` takes a decoded document (demo, tests); `add(raw:)` walks a document's
/// bytes in place (the dump scan) and looks only at `uuid`, `ns`, `shard` and `jumbo`. Owners and shard names
/// are interned by their bytes, so a million chunks create one Swift value per distinct collection and shard,
/// not one per chunk.
public struct ChunkTally: Sendable {
    /// Owners: tag 0 = an `ns` string's UTF-8; otherwise the `uuid` element's BSON type and its value bytes.
    private var owners = ByteInterner()
    private var ownerKeys: [ChunkKeying] = []
    private var shards = ByteInterner()
    private var shardNames: [String] = []
    /// Counters per (owner id, shard id): a flat table, `owner * shardStride + shard` (owners and shards are few).
    private var chunkCounts: [Int] = []
    private var jumboCounts: [Int] = []
    private var shardStride = 8
    public private(set) var scanned = 0
    public private(set) var skipped = 0
    public init() {}

    public mutating func add(_ chunk: BSONDocument) {
        scanned += 1
        guard let owner = ChunkKeying.owner(of: chunk), let shard = chunk["shard"]?.stringValue else { skipped += 1; return }
        let ownerId: Int
        switch owner {
        case .ns(let ns): ownerId = Self.withUTF8(ns) { internOwner(tag: 0, $0) { _ in .ns(ns) } }
        case .uuid(let v):
            // The value's bytes as they sit in a document: the tail of `{"": v}` after its type and empty key.
            let bytes = BSONEncoder.encode(["": v])
            let type = bytes[4]
            ownerId = bytes.withUnsafeBytes { internOwner(tag: type, UnsafeRawBufferPointer(rebasing: $0[6..<($0.count - 1)])) { _ in .uuid(v) } }
        }
        let shardId = Self.withUTF8(shard) { internShard($0) }
        count(owner: ownerId, shard: shardId, jumbo: chunk["jumbo"]?.truthy ?? false)
    }

    /// Counts one chunk document from its bytes (checked as `BSONDecoder` checks them; a malformed one throws
    /// `BSONDecodeError` with the offset inside the document). Returns the owner's id (see `owner(_:)`), or nil
    /// when the document was skipped.
    @discardableResult
    public mutating func add(raw doc: UnsafeRawBufferPointer) throws -> Int? {
        scanned += 1
        let r = RawBSON(doc)
        var uuidType: UInt8 = 0, uuidAt = -1, uuidEnd = 0
        var nsType: UInt8 = 0, nsAt = -1, nsEnd = 0
        var shardType: UInt8 = 0, shardAt = -1, shardEnd = 0
        var jumboType: UInt8 = 0, jumboAt = -1
        try r.forEachElement { type, keyAt, keyLength, valueAt, valueEnd in
            // The first element of each name counts, as `BSONDocument`'s subscript reads it.
            switch keyLength {
            case 2 where nsAt < 0 && r.keyIs(keyAt, "ns"): nsType = type; nsAt = valueAt; nsEnd = valueEnd
            case 4 where uuidAt < 0 && r.keyIs(keyAt, "uuid"): uuidType = type; uuidAt = valueAt; uuidEnd = valueEnd
            case 5 where shardAt < 0 && r.keyIs(keyAt, "shard"): shardType = type; shardAt = valueAt; shardEnd = valueEnd
            case 5 where jumboAt < 0 && r.keyIs(keyAt, "jumbo"): jumboType = type; jumboAt = valueAt
            default: break
            }
            return true
        }

        let ownerId: Int
        if uuidAt >= 0, uuidType != 0x0A {
            let bytes = UnsafeRawBufferPointer(start: r.base + uuidAt, count: uuidEnd - uuidAt)
            ownerId = try internOwner(tag: uuidType, bytes) { _ in .uuid(try RawBSON.decodeValue(type: uuidType, bytes)) }
        } else if nsAt >= 0, nsType == 0x02 {
            ownerId = internOwner(tag: 0, UnsafeRawBufferPointer(start: r.base + nsAt + 4, count: nsEnd - nsAt - 5)) { .ns(String(decoding: $0, as: UTF8.self)) }
        } else { skipped += 1; return nil }
        guard shardAt >= 0, shardType == 0x02 else { skipped += 1; return nil }
        let shardId = internShard(UnsafeRawBufferPointer(start: r.base + shardAt + 4, count: shardEnd - shardAt - 5))
        count(owner: ownerId, shard: shardId, jumbo: jumboAt >= 0 && r.truthy(type: jumboType, at: jumboAt))
        return ownerId
    }

    /// The collection an owner id returned by `add(raw:)` stands for.
    public func owner(_ id: Int) -> ChunkKeying { ownerKeys[id] }
    /// How many distinct owners have been met (ids are 0..<ownerCount).
    public var ownerCount: Int { ownerKeys.count }

    public var groups: [ChunkGroup] {
        // Owners or shards whose bytes differ but whose values are equal (never for uuids and names a server
        // writes) merge here.
        var merged: [ChunkGroup] = []
        var at: [ChunkGroupKey: Int] = [:]
        for slot in chunkCounts.indices where chunkCounts[slot] > 0 {
            let key = ChunkGroupKey(owner: ownerKeys[slot / shardStride], shard: shardNames[slot % shardStride])
            if let i = at[key] {
                merged[i].chunks += chunkCounts[slot]; merged[i].jumbo += jumboCounts[slot]
            } else {
                at[key] = merged.count
                merged.append(ChunkGroup(owner: key.owner, shard: key.shard, chunks: chunkCounts[slot], jumbo: jumboCounts[slot]))
            }
        }
        return merged
    }
    private struct ChunkGroupKey: Hashable { var owner: ChunkKeying; var shard: String }

    private mutating func internOwner(tag: UInt8, _ bytes: UnsafeRawBufferPointer, _ value: (UnsafeRawBufferPointer) throws -> ChunkKeying) rethrows -> Int {
        let (id, new) = owners.intern(tag: tag, bytes)
        if new { ownerKeys.append(try value(bytes)) }
        return id
    }
    private mutating func internShard(_ bytes: UnsafeRawBufferPointer) -> Int {
        let (id, new) = shards.intern(tag: 0, bytes)
        if new { shardNames.append(String(decoding: bytes, as: UTF8.self)) }
        return id
    }
    @inline(__always) private mutating func count(owner: Int, shard: Int, jumbo: Bool) {
        if shard >= shardStride || (owner + 1) * shardStride > chunkCounts.count { grow(owner: owner, shard: shard) }
        let slot = owner * shardStride + shard
        chunkCounts[slot] += 1
        if jumbo { jumboCounts[slot] += 1 }
    }
    private mutating func grow(owner: Int, shard: Int) {
        var stride = shardStride
        while shard >= stride { stride *= 2 }
        let rows = max(owner + 1, chunkCounts.count / shardStride) * 2
        if stride != shardStride {
            var c = [Int](repeating: 0, count: rows * stride), j = c
            for slot in chunkCounts.indices where chunkCounts[slot] > 0 {
                let to = (slot / shardStride) * stride + slot % shardStride
                c[to] = chunkCounts[slot]; j[to] = jumboCounts[slot]
            }
            chunkCounts = c; jumboCounts = j; shardStride = stride
        } else {
            chunkCounts += [Int](repeating: 0, count: rows * stride - chunkCounts.count)
            jumboCounts += [Int](repeating: 0, count: rows * stride - jumboCounts.count)
        }
    }
    private static func withUTF8<R>(_ s: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var s = s
        return try s.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
}

/// Byte strings (each with a one-byte tag) mapped to dense ids 0, 1, 2 … in order of first appearance.
/// The last hit is checked first (chunks of one collection sit together in a dump), then an open-addressing table.
struct ByteInterner: Sendable {
    private var arena: [UInt8] = []
    private var starts: [Int] = []
    private var lengths: [Int] = []
    private var tags: [UInt8] = []
    private var hashes: [UInt64] = []
    private var table = [Int32](repeating: -1, count: 16)
    private var last = -1
    var count: Int { starts.count }

    mutating func intern(tag: UInt8, _ bytes: UnsafeRawBufferPointer) -> (id: Int, new: Bool) {
        if last >= 0, equal(last, tag, bytes) { return (last, false) }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(tag)
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let mask = table.count - 1
        var i = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
        while table[i] >= 0 {
            let id = Int(table[i])
            if hashes[id] == h, equal(id, tag, bytes) { last = id; return (id, false) }
            i = (i + 1) & mask
        }
        let id = starts.count
        starts.append(arena.count); lengths.append(bytes.count); tags.append(tag); hashes.append(h)
        arena.append(contentsOf: bytes)
        table[i] = Int32(id)
        if 2 * starts.count > table.count { rehash() }
        last = id
        return (id, true)
    }

    @inline(__always) private func equal(_ id: Int, _ tag: UInt8, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard tags[id] == tag, lengths[id] == bytes.count else { return false }
        if bytes.isEmpty { return true }
        return arena.withUnsafeBytes { memcmp($0.baseAddress! + starts[id], bytes.baseAddress!, bytes.count) == 0 }
    }

    private mutating func rehash() {
        table = [Int32](repeating: -1, count: table.count * 2)
        let mask = table.count - 1
        for (id, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
            while table[i] >= 0 { i = (i + 1) & mask }
            table[i] = Int32(id)
        }
    }
}
