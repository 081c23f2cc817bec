import XCTest
import ClusterModel
@testable import ClusterLoader

final class SnapshotBuilderTests: XCTestCase {
    let source = SourceInfo(kind: .dump, display: "test")

    func build(_ raw: RawConfig, asOf: Date? = nil, options: LoadOptions = LoadOptions()) -> ClusterSnapshot {
        SnapshotBuilder.build(raw, source: source, asOf: asOf, options: options)
    }

    func testMixedClusterDecodesEverySchema() {
        let snap = build(Fx.mixedCluster().raw)
        XCTAssertEqual(snap.warnings, [])
        XCTAssertEqual(snap.shards.map(\.id), ["config", "shA", "shB"])
        XCTAssertEqual(snap.shard("shA")?.replicaSet, nil)
        XCTAssertEqual(snap.shard("shA")?.state, nil)
        XCTAssertEqual(snap.shard("shB")?.members, ["b1:27018", "b2:27018"])
        XCTAssertEqual(snap.shard("shB")?.zones, ["EU"])
        XCTAssertTrue(snap.shard("config")?.isConfigShard ?? false)
        XCTAssertEqual(snap.shard("config")?.topologyTime, BSONTimestamp(t: 9, i: 1))

        XCTAssertEqual(snap.databases.map(\.name), ["app", "logs"])
        XCTAssertEqual(snap.databases[0].partitioned, nil)
        XCTAssertEqual(snap.databases[0].versionTimestamp, BSONTimestamp(t: 5, i: 2))

        // dropped (4.4) and unsplittable (8.0) collections are not loaded
        XCTAssertEqual(snap.collections.map(\.ns), ["app.orders", "app.users", "logs.events"])
        let orders = snap.collection("app.orders")!
        XCTAssertEqual(orders.keying, .uuid(Fx.uuid(0x50)))
        XCTAssertEqual(orders.key.description, "{ region: 1, orderId: 1 }")
        XCTAssertFalse(orders.balancing)
        XCTAssertEqual(orders.maxChunkSizeBytes, 64 << 20)
        XCTAssertEqual(orders.enableAutoMerge, false)
        XCTAssertEqual(snap.collection("logs.events")?.keying, .ns("logs.events"))
        XCTAssertTrue(snap.collection("logs.events")!.key.isHashed)
        XCTAssertFalse(snap.collection("app.users")!.allowMigrations)

        // ns-keyed and uuid-keyed chunks in one cluster, shards sorted by id
        XCTAssertEqual(snap.distribution["app.orders"], [ShardChunkCount(shard: "config", chunks: 1),
                                                         ShardChunkCount(shard: "shA", chunks: 2, jumbo: 1),
                                                         ShardChunkCount(shard: "shB", chunks: 1)])
        XCTAssertEqual(snap.distribution["logs.events"], [ShardChunkCount(shard: "shA", chunks: 1, jumbo: 1),
                                                          ShardChunkCount(shard: "shB", chunks: 1)])
        XCTAssertEqual(snap.distribution["app.users"], [ShardChunkCount(shard: "shA", chunks: 1)])
        XCTAssertEqual(snap.totalChunks, 7)

        XCTAssertEqual(snap.zoneRanges(for: "app.orders").map(\.zone), ["EU"])
        XCTAssertEqual(snap.mongos.map(\.host), ["r1:27017", "r2:27017"])
        XCTAssertEqual(snap.mongos[0].version, "7.0.12")
        XCTAssertEqual(snap.mongos[1].version, nil)
        XCTAssertEqual(snap.migrations.map(\.toShard), ["shB"])
        XCTAssertEqual(snap.clusterId, Fx.oid(7).hex)
    }

    func testSettings() {
        let b = build(Fx.mixedCluster().raw).balancer
        XCTAssertEqual(b.activeWindow, BalancerSettings.Window(start: "23:00", stop: "06:00"))
        XCTAssertEqual(b.mode, "full")
        XCTAssertTrue(b.enabled)
        XCTAssertEqual(b.chunkSizeMB, 128)
        XCTAssertEqual(b.autosplit, false)
        XCTAssertEqual(b.automerge, true)
        XCTAssertEqual(b.waitForDelete, true)
        XCTAssertEqual(b.secondaryThrottle, .document(["w": .string("majority")]))

        var raw = RawConfig()
        raw.settings = [["_id": .string("balancer"), "stopped": .bool(true)]]
        let stopped = build(raw).balancer
        XCTAssertFalse(stopped.enabled)
        XCTAssertNil(stopped.chunkSizeMB)
        XCTAssertNil(stopped.activeWindow)
    }

    func testOddTypedFieldSkipsOnlyThatDocument() {
        var raw = Fx.mixedCluster().raw
        raw.shards.append(["_id": .string("s1"), "host": .int32(7)])
        raw.mongos.append(["_id": .string("r3:27017"), "ping": .string("yesterday")])
        raw.collections.append(["_id": .string("bad.key"), "key": .string("x")])
        let snap = build(raw)
        XCTAssertEqual(snap.warnings, [
            "config.shards: skipped document {_id: \"s1\"}: field 'host' is int, expected string",
            "config.collections: skipped document {_id: \"bad.key\"}: field 'key' is string, expected object",
            "config.mongos: skipped document {_id: \"r3:27017\"}: field 'ping' is string, expected date",
        ])
        XCTAssertEqual(snap.shards.count, 3)
        XCTAssertEqual(snap.mongos.count, 2)
        XCTAssertNil(snap.collection("bad.key"))
    }

    func testMissingRequiredFieldAndObjectIdInWarning() {
        var raw = RawConfig()
        raw.databases = [["_id": .objectId(Fx.oid(3))], ["_id": .string("ok"), "primary": .string("s")]]
        let snap = build(raw)
        XCTAssertEqual(snap.databases.map(\.name), ["ok"])
        XCTAssertEqual(snap.warnings, ["config.databases: skipped document {_id: {\"$oid\":\"\(Fx.oid(3).hex)\"}}: field '_id' is objectId, expected string"])
    }

    func testUUIDCollectionWithoutUUIDIsReported() {
        var raw = RawConfig()
        raw.collections = [Fx.collection50("a.b", uuid: 1, key: ["x": .int32(1)]).merging(["uuid": .null])]
        let snap = build(raw)
        XCTAssertTrue(snap.collections.isEmpty)
        XCTAssertEqual(snap.warnings.count, 1)
        XCTAssertTrue(snap.warnings.first?.contains("field 'uuid' is missing") ?? false, "\(snap.warnings)")
    }

    func testChunksOfUnknownCollectionWarn() {
        var raw = RawConfig()
        raw.chunkGroups = [ChunkGroup(owner: .ns("x.y"), shard: "s", chunks: 4, jumbo: 0),
                           ChunkGroup(owner: .uuid(Fx.uuid(3)), shard: "s", chunks: 2, jumbo: 0)]
        let snap = build(raw)
        XCTAssertTrue(snap.distribution.isEmpty)
        XCTAssertEqual(snap.warnings.count, 2)
        XCTAssertTrue(snap.warnings.contains { $0.hasPrefix("config.chunks: 4 chunks of ns \"x.y\"") }, "\(snap.warnings)")
        XCTAssertTrue(snap.warnings.contains { $0.hasPrefix("config.chunks: 2 chunks of uuid") }, "\(snap.warnings)")
    }

    func testBalancerRoundsReadBothSpellings() {
        let rounds = build(Fx.mixedCluster().raw).balancerRounds
        XCTAssertEqual(rounds.map(\.executionTimeMillis), [7, 12, 30])   // newest first, autoSplitVector ignored
        XCTAssertEqual(rounds.map(\.errorOccurred), [false, true, true])
        XCTAssertEqual(rounds[2].errmsg, "old spelling")
        XCTAssertEqual(rounds[1].candidateChunks, 3)
        XCTAssertEqual(rounds[1].chunksMoved, 2)
        XCTAssertEqual(build(Fx.mixedCluster().raw, options: LoadOptions(actionlogLimit: 1)).balancerRounds.count, 1)
    }

    func testChangelogNewestFirstAndCut() {
        let snap = build(Fx.mixedCluster().raw, options: LoadOptions(changelogLimit: 3))
        XCTAssertEqual(snap.changelog.map(\.id), ["r1-4", "r1-3", "r1-2"])
        XCTAssertTrue(snap.changelog[1].isError)
        XCTAssertEqual(snap.changelog[0].clientAddr, "10.0.0.1:5000")
    }

    func testAsOf() {
        let raw = Fx.mixedCluster().raw
        // newest of mongos pings (t0+100), changelog (t0+40), actionlog (t0+60)
        XCTAssertEqual(build(raw).asOf, Date(timeIntervalSince1970: TimeInterval(Fx.t0 + 100)))
        let given = Date(timeIntervalSince1970: 42)
        XCTAssertEqual(build(raw, asOf: given).asOf, given)
        let before = Date()
        let empty = build(RawConfig()).asOf
        XCTAssertTrue(empty >= before && empty <= Date())
    }

    func testLiveExtras() {
        var raw = RawConfig()
        raw.balancerStatus = ["mode": .string("full"), "inBalancerRound": .bool(true), "numBalancerRounds": .int64(12), "ok": .double(1)]
        raw.buildInfo = ["version": .string("7.0.12")]
        raw.defaultRWConcern = ["defaultReadConcern": .document(["level": .string("local")]), "ok": .double(1)]
        raw.shardedDataDistribution = [
            ["ns": .string("app.orders"), "shards": .array([
                .document(["shardName": .string("shB"), "ownedSizeBytes": .int64(200), "orphanedSizeBytes": .int32(1), "numOwnedDocuments": .int64(4)]),
                .document(["shardName": .string("shA"), "ownedSizeBytes": .int64(100), "orphanedSizeBytes": .int64(0), "numOwnedDocuments": .int32(2)]),
            ])],
        ]
        let snap = build(raw)
        XCTAssertEqual(snap.balancerStatus, BalancerStatus(mode: "full", inBalancerRound: true, numBalancerRounds: 12))
        XCTAssertEqual(snap.serverVersion, "7.0.12")
        XCTAssertEqual(snap.defaultRWConcern, ["defaultReadConcern": .document(["level": .string("local")])])
        XCTAssertEqual(snap.dataDistribution?["app.orders"], [ShardDataSize(shard: "shA", ownedSizeBytes: 100, orphanedSizeBytes: 0, numOwnedDocuments: 2),
                                                              ShardDataSize(shard: "shB", ownedSizeBytes: 200, orphanedSizeBytes: 1, numOwnedDocuments: 4)])
        XCTAssertNil(build(RawConfig()).dataDistribution)
    }

    func testChunkDecoderVariants() throws {
        let modern = try ChunkDecoder.decode(Fx.chunkUUID(1, .minKey, .int32(5), shard: "s", jumbo: true, n: 3)
            .merging(["estimatedDataSizeBytes": .int64(1234)]))
        XCTAssertEqual(modern.id, .objectId(Fx.oid(3)))
        XCTAssertEqual(modern.lastmod, BSONTimestamp(t: 2, i: 3))
        XCTAssertTrue(modern.jumbo)
        XCTAssertEqual(modern.estimatedDataSizeBytes, 1234)
        XCTAssertEqual(modern.onCurrentShardSince, BSONTimestamp(t: UInt32(Fx.t0), i: 0))

        let legacy = try ChunkDecoder.decode(Fx.chunkNS("a.b", .int32(1), .int32(2), shard: "s")
            .merging(["lastmod": .document(["t": .int32(7), "i": .int64(9)])]))
        XCTAssertEqual(legacy.id, .string("a.b-x_int32(1)"))
        XCTAssertEqual(legacy.lastmod, BSONTimestamp(t: 7, i: 9))
        XCTAssertFalse(legacy.jumbo)
        XCTAssertNil(legacy.onCurrentShardSince)

        let noLastmod = try ChunkDecoder.decode(["_id": .string("c"), "min": .document(["x": .minKey]), "max": .document(["x": .maxKey]), "shard": .string("s")])
        XCTAssertNil(noLastmod.lastmod)
        XCTAssertTrue(noLastmod.contains(["x": .int32(5)]))

        XCTAssertThrowsError(try ChunkDecoder.decode(Fx.chunkNS("a.b", .int32(1), .int32(2), shard: "s").merging(["min": .int32(1)]))) { e in
            XCTAssertEqual("\(e)", "field 'min' is int, expected object")
        }
        XCTAssertThrowsError(try ChunkDecoder.decode(Fx.chunkNS("a.b", .int32(1), .int32(2), shard: "s").merging(["lastmod": .string("x")])))
    }
}
