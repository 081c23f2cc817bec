import XCTest
@testable import ClusterModel

/// `ClusterDiff` for each kind of change, both ways: a change made to B is reported, and the same
/// snapshot against itself (or a change to something not compared) reports nothing.
final class ClusterDiffTests: XCTestCase {
    static let base: ClusterSnapshot = {
        let shards = [Shard(id: "s1", host: "rs1/a:1,b:1", state: 1, zones: ["EU"]),
                      Shard(id: "s2", host: "rs2/c:1", state: 1)]
        let colls = [
            ShardedCollection(ns: "app.orders", uuid: .string("u1"), key: ShardKey(document: ["_id": .string("hashed")]), keying: .uuid(.string("u1"))),
            ShardedCollection(ns: "app.users", uuid: .string("u2"), key: ShardKey(document: ["r": .int32(1), "id": .int32(1)]), keying: .uuid(.string("u2"))),
        ]
        return ClusterSnapshot(
            source: SourceInfo(kind: .dump, display: "/a"), asOf: Date(timeIntervalSince1970: 1_000_000), clusterId: "cid",
            shards: shards, databases: [DatabaseInfo(name: "app", primary: "s1")], collections: colls,
            distribution: ["app.orders": [ShardChunkCount(shard: "s1", chunks: 10), ShardChunkCount(shard: "s2", chunks: 8)],
                           "app.users": [ShardChunkCount(shard: "s1", chunks: 4)]],
            zoneRanges: [ZoneRange(ns: "app.users", zone: "EU", min: ["r": .string("EU"), "id": .minKey], max: ["r": .string("EU"), "id": .maxKey])],
            mongos: [Mongos(host: "m1:27017", ping: Date(timeIntervalSince1970: 999_990), version: "7.0.14"),
                     Mongos(host: "m2:27017", version: "7.0.14")],
            balancer: BalancerSettings(activeWindow: .init(start: "22:00", stop: "06:00"), chunkSizeMB: 128),
            changelog: [ChangelogEntry(id: "1", server: "x", time: Date(timeIntervalSince1970: 999_000), what: "split", ns: "app.users")],
            dataDistribution: ["app.orders": [ShardDataSize(shard: "s1", ownedSizeBytes: 1000), ShardDataSize(shard: "s2", ownedSizeBytes: 900)]])
    }()

    func diff(_ change: (inout ClusterSnapshot) -> Void) -> ClusterDiff {
        var b = Self.base
        change(&b)
        return ClusterDiff(Self.base, b)
    }

    func testItselfIsEqual() {
        XCTAssertTrue(ClusterDiff(Self.base, Self.base).isEmpty)
    }

    func testHistoryAndCaptureDetailsAreNotDifferences() {
        let d = diff { b in
            b.source = SourceInfo(kind: .live, display: "mongodb://h")
            b.asOf = Date(timeIntervalSince1970: 2_000_000)
            b.changelog = []
            b.balancerRounds = [BalancerRound(time: Date())]
            b.mongos[0].ping = Date(timeIntervalSince1970: 1_999_990)
            b.mongos[0].upSeconds = 77
            b.warnings = ["x"]
            b.migrations = [ActiveMigration(ns: "app.users", min: [:], max: [:], fromShard: "s1", toShard: "s2")]
        }
        XCTAssertTrue(d.isEmpty, "\(d)")
    }

    func testShardAddedRemovedAndChanged() {
        let added = diff { $0.shards.append(Shard(id: "s3", host: "rs3/e:1")) }
        XCTAssertEqual(added.shardsAdded.map(\.id), ["s3"])
        XCTAssertTrue(added.shardsRemoved.isEmpty)
        XCTAssertFalse(added.isEmpty)

        let removed = diff { $0.shards.removeLast() }
        XCTAssertEqual(removed.shardsRemoved.map(\.id), ["s2"])
        XCTAssertTrue(removed.shardsAdded.isEmpty)

        let draining = diff { $0.shards[1].draining = true }
        XCTAssertEqual(draining.shardsChanged.map(\.id), ["s2"])
        XCTAssertEqual(draining.shardsChanged[0].changes, [.init("draining", .bool(false), .bool(true))])

        let host = diff { $0.shards[0].host = "rs1/a:1,b:1,c:1" }
        XCTAssertEqual(host.shardsChanged.first?.changes.map(\.field), ["host"])

        let zones = diff { $0.shards[1].zones = ["US"] }
        XCTAssertEqual(zones.shardsChanged.first?.changes.map(\.field), ["zones"])
        XCTAssertEqual(zones.zonesAdded, ["US"])
        // The same zones in another order are the same membership.
        XCTAssertTrue(diff { $0.shards[0].zones = ["EU"] }.isEmpty)
    }

    func testDatabasePrimaryMoved() {
        let d = diff { $0.databases[0].primary = "s2" }
        XCTAssertEqual(d.databasesChanged.first?.changes, [.init("primary", .string("s1"), .string("s2"))])
        XCTAssertEqual(diff { $0.databases.append(DatabaseInfo(name: "logs", primary: "s2")) }.databasesAdded.map(\.name), ["logs"])
    }

    func testCollectionShardedDroppedRekeyedRecreated() {
        let sharded = diff { b in
            b.collections.append(ShardedCollection(ns: "app.new", key: ShardKey(document: ["x": .int32(1)]), keying: .uuid(.string("u9"))))
            b.distribution["app.new"] = [ShardChunkCount(shard: "s2", chunks: 1)]
        }
        XCTAssertEqual(sharded.collectionsSharded.map(\.ns), ["app.new"])
        XCTAssertTrue(sharded.collectionsDropped.isEmpty)
        XCTAssertEqual(sharded.distribution.map(\.ns), ["app.new"])
        XCTAssertEqual(sharded.distribution[0].chunks, .init(0, 1))

        let dropped = diff { b in b.collections.removeFirst(); b.distribution["app.orders"] = nil }
        XCTAssertEqual(dropped.collectionsDropped.map(\.ns), ["app.orders"])
        XCTAssertEqual(dropped.distribution.first?.chunks, .init(18, 0))

        let rekeyed = diff { $0.collections[1].key = ShardKey(document: ["r": .int32(1), "id": .int32(1), "t": .int32(1)]) }
        XCTAssertEqual(rekeyed.collectionsChanged.first?.id, "app.users")
        XCTAssertEqual(rekeyed.collectionsChanged.first?.changes.map(\.field), ["key"])
        XCTAssertEqual(ClusterDiff.walkable(Self.base, { var b = Self.base; b.collections[1].key = ShardKey(fields: []); return b }()).map(\.a.ns),
                       ["app.orders"], "a re-keyed collection's ranges are not walked")

        let unique = diff { $0.collections[0].unique = true }
        XCTAssertEqual(unique.collectionsChanged.first?.changes, [.init("unique", .bool(false), .bool(true))])

        let recreated = diff { $0.collections[0].uuid = .string("u1-new") }
        XCTAssertEqual(recreated.collectionsChanged.first?.changes.map(\.field), ["uuid"])
        XCTAssertEqual(ClusterDiff.walkable(Self.base, Self.base).map(\.a.ns), ["app.orders", "app.users"])
    }

    func testChunksAndDataPerShard() {
        let d = diff { b in
            b.distribution["app.orders"] = [ShardChunkCount(shard: "s1", chunks: 9), ShardChunkCount(shard: "s2", chunks: 10)]
        }
        XCTAssertEqual(d.distribution.count, 1)
        let o = d.distribution[0]
        XCTAssertEqual(o.ns, "app.orders")
        XCTAssertEqual(o.chunks, .init(18, 19))
        XCTAssertEqual(o.shards.map(\.shard), ["s1", "s2"])
        XCTAssertEqual(o.shards.map(\.chunks.delta), [-1, 2])
        XCTAssertEqual(o.dataBytes, .init(1900, 1900), "both sides have data for orders")

        // Same chunk counts, more data on one shard: a difference too.
        let data = diff { $0.dataDistribution?["app.orders"]?[1].ownedSizeBytes = 5000 }
        XCTAssertEqual(data.distribution.first?.dataBytes, .init(1900, 6000))
        XCTAssertEqual(data.distribution.first?.chunks.delta, 0)

        // Data where only one side has it is not compared.
        let oneSided = diff { $0.dataDistribution = nil }
        XCTAssertTrue(oneSided.isEmpty)
        // A collection whose numbers did not change is not listed.
        XCTAssertFalse(d.distribution.contains { $0.ns == "app.users" })
    }

    func testZoneRanges() {
        let us = ZoneRange(ns: "app.users", zone: "US", min: ["r": .string("US"), "id": .minKey], max: ["r": .string("US"), "id": .maxKey])
        let added = diff { $0.zoneRanges.append(us) }
        XCTAssertEqual(added.zoneRangesAdded, [us])
        XCTAssertEqual(added.zonesAdded, ["US"])
        XCTAssertTrue(added.zoneRangesRemoved.isEmpty)
        let removed = diff { $0.zoneRanges = [] }
        XCTAssertEqual(removed.zoneRangesRemoved.map(\.zone), ["EU"])
        XCTAssertTrue(removed.zonesRemoved.isEmpty, "EU is still a shard's zone")
    }

    func testSettings() {
        XCTAssertEqual(diff { $0.balancer.stopped = true }.settings.map(\.field), ["balancer.stopped"])
        XCTAssertEqual(diff { $0.balancer.mode = "off" }.settings.map(\.field), ["balancer.mode"])
        let w = diff { $0.balancer.activeWindow = nil }.settings
        XCTAssertEqual(w.map(\.field), ["balancer.activeWindow"])
        XCTAssertEqual(w.first?.after, .null)
        XCTAssertEqual(diff { $0.balancer.secondaryThrottle = .bool(true) }.settings.map(\.field), ["balancer.secondaryThrottle"])
        XCTAssertEqual(diff { $0.balancer.waitForDelete = true }.settings.map(\.field), ["balancer.waitForDelete"])
        let size = diff { $0.balancer.chunkSizeMB = 64 }.settings
        XCTAssertEqual(size, [.init("chunkSizeMB", .int(128), .int(64))])
        XCTAssertEqual(diff { $0.balancer.autosplit = false }.settings.map(\.field), ["autosplit"])
        XCTAssertEqual(diff { $0.balancer.automerge = true }.settings.map(\.field), ["automerge"])
    }

    func testMongos() {
        let added = diff { $0.mongos.append(Mongos(host: "m3:27017", version: "7.0.14")) }
        XCTAssertEqual(added.mongosAdded.map(\.host), ["m3:27017"])
        XCTAssertEqual(diff { $0.mongos.removeFirst() }.mongosRemoved.map(\.host), ["m1:27017"])
        let up = diff { $0.mongos[1].version = "8.0.3" }
        XCTAssertEqual(up.mongosVersions.map(\.host), ["m2:27017"])
        XCTAssertEqual(up.mongosVersions.first?.upgrade, true)
        XCTAssertEqual(diff { $0.mongos[1].version = "7.0.9" }.mongosVersions.first?.upgrade, false, "7.0.9 < 7.0.14 numerically")
    }

    func testClusterIdAndChunkChangesCount() {
        XCTAssertNotNil(diff { $0.clusterId = "other" }.clusterId)
        var d = ClusterDiff(Self.base, Self.base)
        let a = [Chunk(id: .int32(1), min: ["x": .minKey], max: ["x": .maxKey], shard: "s1")]
        var b = a; b[0].shard = "s2"
        d.chunkChanges["app.orders"] = ChunkWalk.compare(a, a)
        XCTAssertTrue(d.isEmpty)
        d.chunkChanges["app.orders"] = ChunkWalk.compare(a, b)
        XCTAssertFalse(d.isEmpty)
    }
}
