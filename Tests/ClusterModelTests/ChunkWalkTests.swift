import XCTest
@testable import ClusterModel

/// The chunk merge-walk on hand-built sequences: each kind of change is reported when present, and
/// nothing is reported when absent.
final class ChunkWalkTests: XCTestCase {
    /// Chunks over x from bounds [b0, b1, …] (MinKey/MaxKey at the ends) with one shard per chunk.
    static func chunks(_ bounds: [Int], _ shards: [String]) -> [Chunk] {
        precondition(shards.count == bounds.count + 1)
        let keys: [BSONDocument] = [["x": .minKey]] + bounds.map { ["x": .int32(Int32($0))] } + [["x": .maxKey]]
        return shards.indices.map { i in Chunk(id: .string("c\(i)"), min: keys[i], max: keys[i + 1], shard: shards[i]) }
    }
    let base = chunks([10, 20, 30], ["s1", "s1", "s2", "s2"])

    func testIdenticalReportsNothing() {
        let c = ChunkWalk.compare(base, base)
        XCTAssertTrue(c.isEmpty)
        XCTAssertEqual(c.unchanged, 4)
        XCTAssertEqual(c.chunksBefore, 4)
        XCTAssertEqual(c.chunksAfter, 4)
        for k in ChunkChanges.Kind.allCases { XCTAssertEqual(c.count(k), 0, "\(k)") }
    }

    func testMove() {
        let after = Self.chunks([10, 20, 30], ["s1", "s3", "s2", "s2"])
        let c = ChunkWalk.compare(base, after)
        XCTAssertEqual(c.count(.moved), 1)
        XCTAssertEqual(c.count(.split) + c.count(.merged) + c.count(.reshaped), 0)
        XCTAssertEqual(c.unchanged, 3)
        let ex = c.examples(.moved).first!
        XCTAssertEqual(ex.min, ["x": .int32(10)])
        XCTAssertEqual(ex.max, ["x": .int32(20)])
        XCTAssertEqual(ex.fromShards, ["s1"])
        XCTAssertEqual(ex.toShards, ["s3"])
        // And backwards: the same range moved back.
        XCTAssertEqual(ChunkWalk.compare(after, base).count(.moved), 1)
    }

    func testSplitAndTheReverseIsAMerge() {
        let after = Self.chunks([10, 15, 17, 20, 30], ["s1", "s1", "s1", "s1", "s2", "s2"])
        let c = ChunkWalk.compare(base, after)
        XCTAssertEqual(c.count(.split), 1)
        XCTAssertEqual(c.splitPieces, 3)
        XCTAssertEqual(c.splitAndMoved, 0)
        XCTAssertEqual(c.count(.moved) + c.count(.merged) + c.count(.reshaped), 0)
        XCTAssertEqual(c.examples(.split).first?.min, ["x": .int32(10)])
        XCTAssertEqual(c.examples(.split).first?.max, ["x": .int32(20)])
        XCTAssertEqual(c.unchanged, 3)

        let back = ChunkWalk.compare(after, base)
        XCTAssertEqual(back.count(.merged), 1)
        XCTAssertEqual(back.mergedPieces, 3)
        XCTAssertEqual(back.mergedAndMoved, 0)
        XCTAssertEqual(back.count(.split) + back.count(.moved) + back.count(.reshaped), 0)
    }

    func testSplitThenMoved() {
        // [10,20) on s1 split in two, the upper half moved to s3.
        let after = Self.chunks([10, 15, 20, 30], ["s1", "s1", "s3", "s2", "s2"])
        let c = ChunkWalk.compare(base, after)
        XCTAssertEqual(c.count(.split), 1)
        XCTAssertEqual(c.splitAndMoved, 1)
        XCTAssertEqual(c.examples(.split).first?.toShards, ["s1", "s3"])
        XCTAssertEqual(c.count(.moved), 0)
        // Reverse: chunks from two shards merged into one (a move, then a merge).
        let back = ChunkWalk.compare(after, base)
        XCTAssertEqual(back.count(.merged), 1)
        XCTAssertEqual(back.mergedAndMoved, 1)
    }

    func testMergeAtTheEndsAndSeveralKindsInOneWalk() {
        let a = Self.chunks([10, 20, 30, 40, 50], ["s1", "s1", "s2", "s2", "s3", "s3"])
        // MinKey..10 + 10..20 merged; 30..40 moved to s1; 40..50 split; 50..MaxKey unchanged.
        let b = Self.chunks([20, 30, 40, 45, 50], ["s1", "s2", "s1", "s3", "s3", "s3"])
        let c = ChunkWalk.compare(a, b)
        XCTAssertEqual(c.count(.merged), 1)
        XCTAssertEqual(c.examples(.merged).first?.min, ["x": .minKey])
        XCTAssertEqual(c.count(.moved), 1)
        XCTAssertEqual(c.examples(.moved).first?.min, ["x": .int32(30)])
        XCTAssertEqual(c.count(.split), 1)
        XCTAssertEqual(c.unchanged, 2)   // [20,30) and [50, MaxKey)
        XCTAssertEqual(c.count(.reshaped), 0)
    }

    func testReshapedWhenBoundsMoveWithoutSharingAny() {
        let a = Self.chunks([10, 20], ["s1", "s1", "s1"])
        let b = Self.chunks([12, 20], ["s1", "s1", "s1"])   // the bound 10 became 12
        let c = ChunkWalk.compare(a, b)
        XCTAssertEqual(c.count(.reshaped), 1)
        XCTAssertEqual(c.examples(.reshaped).first?.before, 2)
        XCTAssertEqual(c.examples(.reshaped).first?.after, 2)
        XCTAssertEqual(c.count(.split) + c.count(.merged) + c.count(.moved), 0)
    }

    func testCountsAreCompleteButExamplesAreCapped() {
        let n = 5000
        let a = Self.chunks(Array(1...n), Array(repeating: "s1", count: n + 1))
        let b = Self.chunks(Array(1...n), (0...n).map { $0 % 2 == 0 ? "s1" : "s2" })
        let c = ChunkWalk.compare(a, b, limit: 3)
        XCTAssertEqual(c.count(.moved), n / 2)
        XCTAssertEqual(c.examples(.moved).count, 3)
        XCTAssertEqual(c.examples(.moved).map(\.min), [["x": .int32(1)], ["x": .int32(3)], ["x": .int32(5)]])
    }

    func testCompoundKeysCompareByValueOnly() {
        // Bounds with the same values but built separately compare equal (field order is the key's).
        let k1: BSONDocument = ["r": .string("EU"), "id": .minKey]
        let a = [Chunk(id: .string("a"), min: ["r": .minKey, "id": .minKey], max: k1, shard: "s1"),
                 Chunk(id: .string("b"), min: k1, max: ["r": .maxKey, "id": .maxKey], shard: "s1")]
        var b = a
        b[1].shard = "s2"
        b[1].id = .string("other id")
        let c = ChunkWalk.compare(a, b)
        XCTAssertEqual(c.count(.moved), 1)
        XCTAssertEqual(c.unchanged, 1)
    }

    func testPagesArePulledLazily() {
        // The walk asks for the next chunk only as it goes: a source can page.
        var pulled = 0
        var ia = base.makeIterator(), ib = base.makeIterator()
        let c = ChunkWalk.compare(limit: 1, a: { pulled += 1; return ia.next() }, b: { ib.next() })
        XCTAssertTrue(c.isEmpty)
        XCTAssertEqual(pulled, base.count + 1)
    }

    /// A walk over 300,000 chunks a side generated on the fly (no arrays): every 10th range moved, every
    /// 25th split in two on B, every 40th/41st pair merged on B. Counts are exact, examples capped.
    func testLargeGeneratedSequencesWithoutArrays() {
        let n: Int64 = 300_000
        func key(_ v: Int64) -> BSONDocument { v <= 0 ? ["x": .minKey] : v >= n ? ["x": .maxKey] : ["x": .int64(v * 10)] }
        func shardA(_ i: Int64) -> String { "s\(i % 3)" }
        // A: chunk i = [key(i), key(i+1)).
        var ia: Int64 = 0
        let nextA: () -> Chunk? = {
            guard ia < n else { return nil }
            defer { ia += 1 }
            return Chunk(id: .int64(ia), min: key(ia), max: key(ia + 1), shard: shardA(ia))
        }
        // B: the same ranges, except: i % 10 == 3 moved; i % 25 == 7 split at the midpoint; i % 40 == 20 merged with i+1.
        var ib: Int64 = 0, half = false
        let nextB: () -> Chunk? = {
            while ib < n {
                let i = ib
                if i % 25 == 7 && i > 0 && i < n - 1 {
                    let mid: BSONDocument = ["x": .int64(i * 10 + 5)]
                    if !half { half = true; return Chunk(id: .int64(-i), min: key(i), max: mid, shard: shardA(i)) }
                    half = false; ib += 1
                    return Chunk(id: .int64(-i - 1), min: mid, max: key(i + 1), shard: shardA(i))
                }
                if i % 40 == 20 { ib += 2; return Chunk(id: .int64(i), min: key(i), max: key(i + 2), shard: shardA(i)) }
                ib += 1
                return Chunk(id: .int64(i), min: key(i), max: key(i + 1), shard: i % 10 == 3 ? "moved" : shardA(i))
            }
            return nil
        }
        let c = ChunkWalk.compare(limit: 5, a: nextA, b: nextB)
        var moved = 0, split = 0, merged = 0
        for i in 0..<n {
            if i % 10 == 3 { moved += 1 }       // (never also split or merged: 3 mod 10 excludes both)
            if i % 25 == 7 { split += 1 }
            if i % 40 == 20 { merged += 1 }
        }
        XCTAssertEqual(c.count(.moved), moved)
        XCTAssertEqual(c.count(.split), split)
        XCTAssertEqual(c.splitPieces, 2 * split)
        XCTAssertEqual(c.count(.merged), merged)
        XCTAssertEqual(c.mergedAndMoved, merged, "s(i%3) and s((i+1)%3) merged onto one shard")
        XCTAssertEqual(c.count(.reshaped), 0)
        XCTAssertEqual(c.chunksBefore, Int(n))
        XCTAssertEqual(c.chunksAfter, Int(n) + split - merged)
        for k in ChunkChanges.Kind.allCases { XCTAssertLessThanOrEqual(c.examples(k).count, 5) }
    }
}
