import Foundation

/// Chunk-level changes of one collection between two states: ranges that moved, were split, merged or
/// otherwise re-cut. Counts are exact; only the first `limit` examples of each kind are kept, so a walk
/// over millions of chunks holds a bounded amount of memory.
public struct ChunkChanges: Hashable, Sendable {
    /// One range of A and the B chunks that cover it (or the reverse): a group between two boundaries the
    /// two states share.
    public struct Example: Hashable, Sendable {
        public var min: BSONDocument
        public var max: BSONDocument
        /// Shards of the A chunks of the group, in key order, each once.
        public var fromShards: [String]
        /// Shards of the B chunks of the group, in key order, each once.
        public var toShards: [String]
        /// How many A chunks and B chunks the group holds.
        public var before: Int
        public var after: Int
        public init(min: BSONDocument, max: BSONDocument, fromShards: [String], toShards: [String], before: Int, after: Int) {
            self.min = min; self.max = max; self.fromShards = fromShards; self.toShards = toShards; self.before = before; self.after = after
        }
    }

    public enum Kind: String, CaseIterable, Sendable {
        /// The same range in both, on another shard.
        case moved
        /// One A chunk covered by several B chunks.
        case split
        /// Several A chunks covered by one B chunk.
        case merged
        /// Several A chunks covering the same span as several B chunks, no boundary shared inside (or one
        /// chunk each with different bounds: input with gaps).
        case reshaped
    }

    public var limit: Int
    /// Groups of each kind.
    public internal(set) var counts: [Kind: Int] = [:]
    /// Split groups whose pieces are not all on the original shard (split, then some pieces moved).
    public internal(set) var splitAndMoved = 0
    /// Merged groups whose result is on a shard none of the merged chunks was on (or that gathered chunks from several shards).
    public internal(set) var mergedAndMoved = 0
    /// B chunks produced by splits; A chunks consumed by merges.
    public internal(set) var splitPieces = 0
    public internal(set) var mergedPieces = 0
    /// Chunks walked on each side, and ranges unchanged (same bounds, same shard).
    public internal(set) var chunksBefore = 0
    public internal(set) var chunksAfter = 0
    public internal(set) var unchanged = 0
    /// The first `limit` groups of each kind, in key order.
    public internal(set) var examples: [Kind: [Example]] = [:]

    public init(limit: Int) { self.limit = max(0, limit) }

    public func count(_ k: Kind) -> Int { counts[k] ?? 0 }
    public func examples(_ k: Kind) -> [Example] { examples[k] ?? [] }
    /// No range changed.
    public var isEmpty: Bool { Kind.allCases.allSatisfy { count($0) == 0 } }

    mutating func record(_ kind: Kind, _ example: Example) {
        counts[kind, default: 0] += 1
        if examples[kind, default: []].count < limit { examples[kind, default: []].append(example) }
    }
}

/// The merge-walk over two collections' chunks, each sorted by `min`. Pure: the chunks come from two
/// closures returning the next chunk (nil at the end), so pages can be fetched as the walk goes and a
/// test can pass arrays. Holds at most one group's boundaries and shard lists at a time.
///
/// A group starts at the current chunk of each side and grows (the side whose group ends first takes its
/// next chunk) until both sides end at the same bound — a boundary both states share — or a side runs out.
public enum ChunkWalk {
    public static func compare(limit: Int, a nextA: () throws -> Chunk?, b nextB: () throws -> Chunk?) rethrows -> ChunkChanges {
        var out = ChunkChanges(limit: limit)
        var a = try nextA(), b = try nextB()
        if a != nil { out.chunksBefore += 1 }
        if b != nil { out.chunksAfter += 1 }
        func advanceA() throws -> Chunk? { let c = try nextA(); if c != nil { out.chunksBefore += 1 }; return c }
        func advanceB() throws -> Chunk? { let c = try nextB(); if c != nil { out.chunksAfter += 1 }; return c }

        while let ca = a, let cb = b {
            // The fast, common case: the same range on both sides.
            if ca.min == cb.min || BSONDocument.compareKeys(ca.min, cb.min) == 0,
               BSONDocument.compareKeys(ca.max, cb.max) == 0 {
                if ca.shard == cb.shard { out.unchanged += 1 }
                else { out.record(.moved, .init(min: ca.min, max: ca.max, fromShards: [ca.shard], toShards: [cb.shard], before: 1, after: 1)) }
                a = try advanceA(); b = try advanceB()
                continue
            }
            // A group: grow the side that ends first until both end at one bound.
            let lo = BSONDocument.compareKeys(ca.min, cb.min) <= 0 ? ca.min : cb.min
            var maxA = ca.max, maxB = cb.max
            var nA = 1, nB = 1
            var shardsA = [ca.shard], shardsB = [cb.shard]
            var sameStart = BSONDocument.compareKeys(ca.min, cb.min) == 0
            a = try advanceA(); b = try advanceB()
            var c = BSONDocument.compareKeys(maxA, maxB)
            while c != 0 {
                if c < 0 {
                    guard let next = a else { break }
                    maxA = next.max; nA += 1
                    if shardsA.last != next.shard, !shardsA.contains(next.shard) { shardsA.append(next.shard) }
                    a = try advanceA()
                } else {
                    guard let next = b else { break }
                    maxB = next.max; nB += 1
                    if shardsB.last != next.shard, !shardsB.contains(next.shard) { shardsB.append(next.shard) }
                    b = try advanceB()
                }
                c = BSONDocument.compareKeys(maxA, maxB)
            }
            if c != 0 { sameStart = false }   // a side ran out: the two states do not cover the same span
            let hi = c >= 0 ? maxA : maxB
            let ex = ChunkChanges.Example(min: lo, max: hi, fromShards: shardsA, toShards: shardsB, before: nA, after: nB)
            if sameStart && nA == 1 && nB > 1 {
                out.record(.split, ex)
                out.splitPieces += nB
                if shardsB != [ca.shard] { out.splitAndMoved += 1 }
            } else if sameStart && nA > 1 && nB == 1 {
                out.record(.merged, ex)
                out.mergedPieces += nA
                if shardsA != shardsB { out.mergedAndMoved += 1 }
            } else {
                out.record(.reshaped, ex)
            }
        }
        // Chunks left on one side only (the other state ends earlier: a gap, not a re-cut of shared ranges).
        while a != nil { a = try advanceA() }
        while b != nil { b = try advanceB() }
        return out
    }

    /// Convenience for arrays (tests, small inputs).
    public static func compare(_ a: [Chunk], _ b: [Chunk], limit: Int = 10) -> ChunkChanges {
        var ia = a.makeIterator(), ib = b.makeIterator()
        return compare(limit: limit, a: { ia.next() }, b: { ib.next() })
    }
}
