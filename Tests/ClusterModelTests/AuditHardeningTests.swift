import XCTest
@testable import ClusterModel

/// Inputs the audit must survive without trapping: every shard draining, out-of-range range sizes from config.settings
/// and config.collections, dates beyond what Int64 milliseconds hold.
final class AuditHardeningTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_795_183_380)   // 2026-11-20 14:03:00 UTC
    let mb: Int64 = 1024 * 1024

    func snapshot(_ counts: [Int], draining: Bool = false) -> ClusterSnapshot {
        ClusterSnapshot(
            source: SourceInfo(kind: .dump, display: "mem"), asOf: now,
            shards: (1...counts.count).map { Shard(id: "s\($0)", host: "rs\($0)/h\($0):27018", state: 1, draining: draining) },
            collections: [ShardedCollection(ns: "app.c", key: ShardKey(document: ["x": .int32(1)]), keying: .ns("app.c"))],
            distribution: ["app.c": counts.enumerated().map { ShardChunkCount(shard: "s\($0.offset + 1)", chunks: $0.element) }],
            serverVersion: "7.0.14")
    }
    func run(_ s: ClusterSnapshot) -> [Finding] {
        Audit.run(s, AuditInputs(chunks: ChunkFacts(), probes: [], timeZone: TimeZone(identifier: "UTC")!))
    }

    // MARK: 1. every shard draining

    func testEveryShardDrainingComparesAllShardsWithoutTrapping() {
        // 20 chunks, threshold 4: 12 − 0 = 12. Every shard draining: no shard can take chunks, so all of them are compared.
        let s = snapshot([12, 8, 0], draining: true)
        XCTAssertEqual(s.eligibleShards, ["s1", "s2", "s3"])
        XCTAssertEqual(s.imbalance(for: "app.c"), 12)
        let f = run(s).first { $0.id == "distribution.chunk-imbalance" }
        XCTAssertEqual(f?.data["mostLoaded"], ["shard": .string("s1"), "chunks": .int(12)])
        XCTAssertEqual(f?.data["leastLoaded"], ["shard": .string("s3"), "chunks": .int(0)])
        XCTAssertEqual(f?.data["difference"], .int(12))
        XCTAssertEqual(run(s).filter { $0.id == "shards.draining" }.count, 3)
    }

    func testMostAndLeastLoadedAreOneDefinitionForImbalanceAndAudit() {
        var s = snapshot([12, 8, 0])
        s.shards[2].draining = true                               // s3 is meant to empty: left out
        XCTAssertEqual(s.eligibleShards, ["s1", "s2"])
        XCTAssertEqual(s.chunkLoadExtremes(for: "app.c")?.most.shard, "s1")
        XCTAssertEqual(s.chunkLoadExtremes(for: "app.c")?.least.shard, "s2")
        XCTAssertEqual(s.imbalance(for: "app.c"), 4)              // not above the threshold of 4 for 20 chunks
        XCTAssertFalse(run(s).contains { $0.id == "distribution.chunk-imbalance" })
        // Ties go to the lower shard id, both ways.
        let t = snapshot([5, 5, 5])
        XCTAssertEqual(t.chunkLoadExtremes(for: "app.c")?.most.shard, "s1")
        XCTAssertEqual(t.chunkLoadExtremes(for: "app.c")?.least.shard, "s1")
        // No shards at all: nothing to compare.
        var none = snapshot([1]); none.shards = []
        XCTAssertNil(none.chunkLoadExtremes(for: "app.c"))
        XCTAssertEqual(none.imbalance(for: "app.c"), 0)
        _ = run(none)
    }

    func testDataImbalanceWithEveryShardDraining() {
        var s = snapshot([10, 10, 10], draining: true)
        s.dataDistribution = ["app.c": [ShardDataSize(shard: "s1", ownedSizeBytes: 900 * mb), ShardDataSize(shard: "s2", ownedSizeBytes: 0)]]
        let f = run(s).first { $0.id == "distribution.data-imbalance" }
        XCTAssertEqual(f?.data["leastLoaded"], ["shard": .string("s2"), "bytes": .int(0)])   // s2 before s3 (both 0)
    }

    // MARK: 2. range sizes out of the server's bounds

    func testRangeSizeIsClampedToWhatTheServerAccepts() {
        var s = snapshot([10, 10, 10])
        let c = s.collections[0]
        XCTAssertEqual(Audit.rangeSizeBytes(c, s), 128 * mb)                 // server default
        s.balancer.chunkSizeMB = 64
        XCTAssertEqual(Audit.rangeSizeBytes(c, s), 64 * mb)
        s.balancer.chunkSizeMB = Int.max                                     // would overflow × 1024 × 1024
        XCTAssertEqual(Audit.rangeSizeBytes(c, s), 1024 * mb)
        s.balancer.chunkSizeMB = 0
        XCTAssertEqual(Audit.rangeSizeBytes(c, s), 1 * mb)
        s.balancer.chunkSizeMB = -5
        XCTAssertEqual(Audit.rangeSizeBytes(c, s), 1 * mb)
        var own = c
        own.maxChunkSizeBytes = Int64.max                                    // would overflow × 3
        XCTAssertEqual(Audit.rangeSizeBytes(own, s), 1024 * mb)
        own.maxChunkSizeBytes = -1
        XCTAssertEqual(Audit.rangeSizeBytes(own, s), 1 * mb)
        own.maxChunkSizeBytes = 200 * mb
        XCTAssertEqual(Audit.rangeSizeBytes(own, s), 200 * mb)
    }

    func testHugeSettingsAndSizesDoNotTrapTheDataRule() {
        var s = snapshot([10, 10, 10])
        s.balancer.chunkSizeMB = Int.max
        s.collections[0].maxChunkSizeBytes = Int64.max
        // Sizes at both ends of Int64: the difference saturates instead of overflowing.
        s.dataDistribution = ["app.c": [ShardDataSize(shard: "s1", ownedSizeBytes: Int64.max), ShardDataSize(shard: "s2", ownedSizeBytes: -Int64.max),
                                        ShardDataSize(shard: "s3", ownedSizeBytes: 0)]]
        let f = run(s).first { $0.id == "distribution.data-imbalance" }
        XCTAssertEqual(f?.data["thresholdBytes"], .int(3 * 1024 * mb))
        XCTAssertEqual(f?.data["differenceBytes"], .int(Int64.max))
        XCTAssertEqual(Audit.saturatingProduct(3, Int64.max), Int64.max)
        XCTAssertEqual(Audit.saturatingProduct(-3, Int64.max), Int64.min)
        XCTAssertEqual(Audit.saturatingDifference(Int64.min, 1), Int64.min)
        XCTAssertEqual(Audit.saturatingDifference(7, 3), 4)
    }

    // MARK: 3. dates beyond Int64 milliseconds

    func testDateToEpochMillisNeverTraps() {
        XCTAssertEqual(ISO8601.millis(Date(timeIntervalSince1970: 1_795_183_380.123)), 1_795_183_380_123)
        XCTAssertEqual(ISO8601.millis(Date(timeIntervalSince1970: -0.0015)), -2)             // rounded to the nearest
        // A BSON date of Int64.max ms comes back through a Double as 2^63 ms: one past Int64.max.
        XCTAssertEqual(ISO8601.millis(Date(timeIntervalSince1970: Double(Int64.max) / 1000)), Int64.max)
        XCTAssertEqual(ISO8601.millis(Date(timeIntervalSince1970: Double(Int64.min) / 1000)), Int64.min)
        XCTAssertEqual(ISO8601.millis(Date(timeIntervalSince1970: .infinity)), Int64.max)
        XCTAssertEqual(ISO8601.millis(Date(timeIntervalSince1970: -.infinity)), Int64.min)
        XCTAssertEqual(ISO8601.millis(Date(timeIntervalSince1970: .nan)), 0)
        XCTAssertEqual(ISO8601.millis(.distantFuture), Int64((Date.distantFuture.timeIntervalSince1970 * 1000).rounded()))
    }

    func testISOStringsAtTheEndsOfInt64() {
        XCTAssertEqual(ISO8601.string(millis: 0), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(ISO8601.string(millis: -1), "1969-12-31T23:59:59.999Z")
        XCTAssertEqual(ISO8601.string(millis: 1_795_183_380_123), "2026-11-20T14:03:00.123Z")
        // Int64.max ms is in the year 292,278,994; Int64.min ms in −292,275,055: both print, neither traps.
        XCTAssertTrue(ISO8601.string(millis: Int64.max).hasPrefix("292278994-08-17T07:12:55.807Z"), ISO8601.string(millis: Int64.max))
        XCTAssertTrue(ISO8601.string(millis: Int64.min).hasSuffix(".192Z"), ISO8601.string(millis: Int64.min))
        XCTAssertEqual(ISO8601.string(Date(timeIntervalSince1970: Double(Int64.max) / 1000)), ISO8601.string(millis: Int64.max))
    }

    func testFailedMigrationDatedAtTheEndOfTimeIsReported() {
        var s = snapshot([10, 10, 10])
        let end = Date(timeIntervalSince1970: Double(Int64.max) / 1000)
        s.asOf = end                                     // a dump's asOf can come from its newest changelog entry
        s.changelog = [ChangelogEntry(id: "e1", server: "cfg", time: end, what: "moveChunk.error", ns: "app.c",
                                      details: ["errmsg": .string("boom")])]
        let f = run(s).first { $0.id == "migrations.failed" }
        XCTAssertEqual(f?.data["newest"], .string(ISO8601.string(millis: Int64.max)))
    }

    func testAgesAndLagsBeyondInt64DoNotTrap() {
        XCTAssertEqual(Audit.whole(1e300), Int64.max)
        XCTAssertEqual(Audit.whole(-1e300), Int64.min)
        XCTAssertEqual(Audit.whole(.nan), 0)
        XCTAssertEqual(Audit.whole(-59.9), -59)
        XCTAssertEqual(Audit.minutes(.infinity), "\(Int64.max) d")
        var s = snapshot([10, 10, 10])
        s.mongos = [Mongos(host: "m1:27017", ping: Date(timeIntervalSince1970: Double(Int64.min) / 1000), version: "7.0.14"),
                    Mongos(host: "m2:27017", ping: Date(timeIntervalSince1970: Double(Int64.max) / 1000), version: "7.0.14")]
        XCTAssertEqual(run(s).first { $0.id == "mongos.stale" }?.subject.name, "m1:27017")
    }

    // MARK: 5. one version parser

    func testDataSizeBalancingFromTheVersion() {
        var s = snapshot([10, 10, 10])
        for (v, expected) in [("6.0.3", true), ("6.0.2", false), ("6.0.10", true), ("7.0.14", true), ("5.0.31", false),
                              ("6.0.3-rc1", true), ("10.0", true), ("6", false)] as [(String, Bool)] {
            s.serverVersion = v
            XCTAssertEqual(Audit.balancesByDataSize(s), expected, v)
        }
        s.serverVersion = nil
        XCTAssertNil(Audit.balancesByDataSize(s))
        s.serverVersion = ""
        XCTAssertNil(Audit.balancesByDataSize(s))
    }
}
