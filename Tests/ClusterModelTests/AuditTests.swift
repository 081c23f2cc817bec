import XCTest
@testable import ClusterModel

/// Every audit rule, both ways: a cluster built to trigger it, and a near miss that must not.
final class AuditTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_795_183_380)   // 2026-11-20 14:03:00 UTC
    let utc = TimeZone(identifier: "UTC")!
    func ago(_ s: Double) -> Date { now.addingTimeInterval(-s) }
    func k(_ v: BSONValue) -> BSONDocument { ["x": v] }

    /// A healthy cluster: three replica-set shards, one evenly spread collection, two routers on one version,
    /// balancer on without a window, w: majority, every shard probed healthy. Audited fully, it yields nothing.
    func clean() -> ClusterSnapshot {
        ClusterSnapshot(
            source: SourceInfo(kind: .live, display: "mongodb://h"), asOf: now,
            shards: (1...3).map { Shard(id: "s\($0)", host: "rs\($0)/h\($0)a:27018,h\($0)b:27018,h\($0)c:27018", state: 1) },
            databases: [DatabaseInfo(name: "app", primary: "s1")],
            collections: [ShardedCollection(ns: "app.c", key: ShardKey(document: ["x": .int32(1)]), keying: .ns("app.c"))],
            distribution: ["app.c": [ShardChunkCount(shard: "s1", chunks: 10), ShardChunkCount(shard: "s2", chunks: 10), ShardChunkCount(shard: "s3", chunks: 9)]],
            mongos: [Mongos(host: "m1:27017", ping: ago(5), version: "7.0.14"), Mongos(host: "m2:27017", ping: ago(20), version: "7.0.14")],
            serverVersion: "7.0.14",
            defaultRWConcern: ["defaultWriteConcern": .document(["w": .string("majority"), "wtimeout": .int32(0)]), "defaultWriteConcernSource": .string("global")])
    }

    func healthyProbe(_ shard: String, lag: Double = 0) -> ReplicaSetProbe {
        let hosts = ["\(shard)a:27018", "\(shard)b:27018", "\(shard)c:27018"]
        return ReplicaSetProbe(
            shard: shard,
            hosts: [HostProbe(host: hosts[0], setName: "rs", isWritablePrimary: true, primary: hosts[0], hosts: hosts),
                    HostProbe(host: hosts[1], setName: "rs", secondary: true, primary: hosts[0], hosts: hosts),
                    HostProbe(host: hosts[2], setName: "rs", secondary: true, primary: hosts[0], hosts: hosts)],
            members: [MemberStatus(name: hosts[0], state: 1, stateStr: "PRIMARY", optime: now),
                      MemberStatus(name: hosts[1], state: 2, stateStr: "SECONDARY", optime: now.addingTimeInterval(-lag)),
                      MemberStatus(name: hosts[2], state: 2, stateStr: "SECONDARY", optime: now)],
            votingMembers: 3, writableVotingMembers: 3, writeMajority: 2)
    }

    func inputs(_ snap: ClusterSnapshot, probes: [ReplicaSetProbe]? = nil, chunks: ChunkFacts? = ChunkFacts()) -> AuditInputs {
        AuditInputs(chunks: chunks, probes: probes ?? snap.shards.map { healthyProbe($0.id) }, timeZone: utc)
    }
    func audit(_ snap: ClusterSnapshot, probes: [ReplicaSetProbe]? = nil, chunks: ChunkFacts? = ChunkFacts()) -> [Finding] {
        Audit.run(snap, inputs(snap, probes: probes, chunks: chunks))
    }
    func ids(_ f: [Finding]) -> [String] { f.map(\.id) }
    func one(_ id: String, _ f: [Finding], file: StaticString = #filePath, line: UInt = #line) -> Finding? {
        let m = f.filter { $0.id == id }
        XCTAssertEqual(m.count, 1, "\(id) in \(ids(f))", file: file, line: line)
        return m.first
    }

    func testCleanClusterHasNoFindings() {
        XCTAssertEqual(ids(audit(clean())), [])
    }

    // MARK: distribution

    func testChunkImbalanceBeyondThreshold() {
        var s = clean()
        // 20 chunks: threshold 4. 13 − 0 on s3 = … use 9/7/4 → max − min = 5 > 4.
        s.distribution["app.c"] = [ShardChunkCount(shard: "s1", chunks: 9), ShardChunkCount(shard: "s2", chunks: 7), ShardChunkCount(shard: "s3", chunks: 4)]
        s.serverVersion = "5.0.20"
        let f = one("distribution.chunk-imbalance", audit(s))
        XCTAssertEqual(f?.severity, .warning)
        XCTAssertEqual(f?.data["difference"], .int(5)); XCTAssertEqual(f?.data["threshold"], .int(4))
        XCTAssertEqual(f?.subject, Finding.Subject(.collection, "app.c"))
        // Near miss: a difference of exactly 4 is within the threshold.
        s.distribution["app.c"] = [ShardChunkCount(shard: "s1", chunks: 9), ShardChunkCount(shard: "s2", chunks: 6), ShardChunkCount(shard: "s3", chunks: 5)]
        XCTAssertFalse(ids(audit(s)).contains("distribution.chunk-imbalance"))
    }

    func testChunkImbalanceIsOnlyAHintOnDataSizeBalancingServers() {
        var s = clean()
        s.distribution["app.c"] = [ShardChunkCount(shard: "s1", chunks: 9), ShardChunkCount(shard: "s2", chunks: 7), ShardChunkCount(shard: "s3", chunks: 4)]
        s.serverVersion = "6.0.3"
        XCTAssertEqual(one("distribution.chunk-imbalance", audit(s))?.severity, .info)
        s.serverVersion = "6.0.2"
        XCTAssertEqual(one("distribution.chunk-imbalance", audit(s))?.severity, .warning)
    }

    func testZonedCollectionsAreNotComparedAcrossShards() {
        var s = clean()
        s.distribution["app.c"] = [ShardChunkCount(shard: "s1", chunks: 9), ShardChunkCount(shard: "s2", chunks: 1)]
        s.serverVersion = "5.0.20"
        XCTAssertNotNil(one("distribution.chunk-imbalance", audit(s)))
        s.shards[0].zones = ["A"]
        s.zoneRanges = [ZoneRange(ns: "app.c", zone: "A", min: k(.minKey), max: k(.maxKey))]
        XCTAssertFalse(ids(audit(s)).contains("distribution.chunk-imbalance"))
    }

    func testThresholds() {
        XCTAssertEqual([1, 19, 20, 79, 80, 5000].map(Audit.chunkThreshold), [2, 2, 4, 4, 8, 8])
    }

    func testDataImbalanceAtThreeRangeSizes() {
        var s = clean()
        let mb: Int64 = 1024 * 1024
        // Default range size 128 MB: the limit is 384 MB.
        s.dataDistribution = ["app.c": [ShardDataSize(shard: "s1", ownedSizeBytes: 500 * mb), ShardDataSize(shard: "s2", ownedSizeBytes: 300 * mb),
                                        ShardDataSize(shard: "s3", ownedSizeBytes: 116 * mb)]]
        let f = one("distribution.data-imbalance", audit(s))
        XCTAssertEqual(f?.data["differenceBytes"], .int(384 * mb)); XCTAssertEqual(f?.data["thresholdBytes"], .int(384 * mb))
        // Near miss: one byte under.
        s.dataDistribution!["app.c"]![2].ownedSizeBytes = 116 * mb + 1
        XCTAssertFalse(ids(audit(s)).contains("distribution.data-imbalance"))
        // The collection's own range size counts: 64 MB → limit 192 MB.
        s.collections[0].maxChunkSizeBytes = 64 * mb
        XCTAssertNotNil(one("distribution.data-imbalance", audit(s)))
    }

    func testSingleShardCollection() {
        var s = clean()
        s.distribution["app.c"] = [ShardChunkCount(shard: "s2", chunks: 2)]
        XCTAssertEqual(one("distribution.single-shard", audit(s))?.data["emptyShards"], .array(["s1", "s3"]))
        // Near miss: one chunk is not "spread badly".
        s.distribution["app.c"] = [ShardChunkCount(shard: "s2", chunks: 1)]
        XCTAssertFalse(ids(audit(s)).contains("distribution.single-shard"))
    }

    // MARK: jumbo

    func testJumboChunksWithRanges() {
        var s = clean()
        s.distribution["app.c"]![1].jumbo = 1
        let chunk = Chunk(id: .string("j"), min: k(.int32(100)), max: k(.int32(200)), shard: "s2", jumbo: true)
        var facts = ChunkFacts()
        facts.add([Chunk(id: .string("a"), min: k(.minKey), max: k(.int32(100)), shard: "s1"), chunk], of: "app.c", snapshot: s)
        facts.scanned.insert("app.c")
        let f = one("jumbo.chunks", audit(s, chunks: facts))
        XCTAssertTrue(f?.message.contains("[100, 200) on s2") ?? false, f?.message ?? "")
        XCTAssertEqual(XCTUnwrapArray(f?.data["ranges"]).count, 1)
        // Without a scan the count is still reported, ranges marked as not loaded.
        XCTAssertTrue(one("jumbo.chunks", audit(s, chunks: nil))?.message.contains("ranges not loaded") ?? false)
        // Near miss: no jumbo flag.
        XCTAssertFalse(ids(audit(clean())).contains("jumbo.chunks"))
    }

    func XCTUnwrapArray(_ v: JSONValue?) -> [JSONValue] { if case .array(let a)? = v { return a }; return [] }

    // MARK: zones

    func zoned(_ ranges: [(String, Int32?, Int32?)]) -> ClusterSnapshot {
        var s = clean()
        s.shards[0].zones = ["A"]; s.shards[1].zones = ["B"]
        s.zoneRanges = ranges.map { z, lo, hi in
            ZoneRange(ns: "app.c", zone: z, min: k(lo.map { .int32($0) } ?? .minKey), max: k(hi.map { .int32($0) } ?? .maxKey))
        }
        return s
    }

    func testZonesContiguousAreClean() {
        XCTAssertEqual(ids(audit(zoned([("A", nil, 100), ("B", 100, nil)]))), [])
    }

    func testZoneGap() {
        let f = one("zones.gap", audit(zoned([("A", nil, 100), ("B", 150, nil)])))
        XCTAssertTrue(f?.message.contains("[100, 150)") ?? false)
        XCTAssertEqual(f?.severity, .warning)
    }

    func testZoneOverlap() {
        let f = one("zones.overlap", audit(zoned([("A", nil, 120), ("B", 100, nil)])))
        XCTAssertEqual(f?.severity, .error)
        XCTAssertFalse(ids(audit(zoned([("A", nil, 100), ("B", 100, nil)]))).contains("zones.overlap"))
    }

    func testZoneWithoutShardAndUnusedShardZone() {
        var s = zoned([("A", nil, 100), ("C", 100, nil)])
        let f = audit(s)
        XCTAssertEqual(one("zones.no-shard", f)?.subject, Finding.Subject(.zone, "C"))
        XCTAssertEqual(one("zones.unused", f)?.subject, Finding.Subject(.zone, "B"))
        s.shards[2].zones = ["C"]; s.shards[1].zones = []
        XCTAssertEqual(ids(audit(s)), [])
    }

    func testRangesOfACollectionThatNoLongerExists() {
        var s = zoned([("A", nil, 100), ("B", 100, nil)])
        s.zoneRanges.append(ZoneRange(ns: "app.gone", zone: "A", min: k(.minKey), max: k(.maxKey)))
        XCTAssertEqual(one("zones.orphan-ranges", audit(s))?.data["ns"], .string("app.gone"))
    }

    func testChunkOnAShardOutsideItsZone() {
        let s = zoned([("A", nil, 100), ("B", 100, nil)])
        var facts = ChunkFacts()
        facts.add([Chunk(id: .string("1"), min: k(.minKey), max: k(.int32(50)), shard: "s1"),
                   Chunk(id: .string("2"), min: k(.int32(50)), max: k(.int32(100)), shard: "s3"),     // in A, on s3: wrong
                   Chunk(id: .string("3"), min: k(.int32(100)), max: k(.maxKey), shard: "s2")], of: "app.c", snapshot: s)
        let f = one("zones.wrong-shard", audit(s, chunks: facts))
        XCTAssertEqual(f?.data["count"], .int(1))
        XCTAssertTrue(f?.message.contains("[50, 100) of A on s3") ?? false, f?.message ?? "")
        XCTAssertFalse(f?.advice.contains("jumbo") ?? true)
        // A jumbo chunk out of its zone cannot be moved back: the advice says to split it.
        var stuck = ChunkFacts()
        stuck.add([Chunk(id: .string("2"), min: k(.int32(50)), max: k(.int32(100)), shard: "s3", jumbo: true)], of: "app.c", snapshot: s)
        XCTAssertTrue(one("zones.wrong-shard", audit(s, chunks: stuck))?.advice.contains("it is jumbo") ?? false)
        // Near miss: the same chunk on the zone's shard.
        var ok = ChunkFacts()
        ok.add([Chunk(id: .string("2"), min: k(.int32(50)), max: k(.int32(100)), shard: "s1")], of: "app.c", snapshot: s)
        XCTAssertFalse(ids(audit(s, chunks: ok)).contains("zones.wrong-shard"))
        // Not scanned: said so, not passed silently.
        XCTAssertNotNil(one("zones.wrong-shard.not-checked", audit(s, chunks: nil)))
    }

    // MARK: balancer

    func testBalancerStoppedOrOff() {
        var s = clean()
        s.balancer.stopped = true
        XCTAssertNotNil(one("balancer.stopped", audit(s)))
        s.balancer = BalancerSettings(mode: "off")
        XCTAssertNotNil(one("balancer.stopped", audit(s)))
        s.balancer = BalancerSettings(mode: "full")
        XCTAssertFalse(ids(audit(s)).contains("balancer.stopped"))
    }

    func testBalancerWindow() {
        var s = clean()
        s.balancer.activeWindow = .init(start: "14:00", stop: "14:30")      // now 14:03 UTC: inside, but 30 min long
        XCTAssertEqual(one("balancer.short-window", audit(s))?.data["minutes"], .int(30))
        XCTAssertFalse(ids(audit(s)).contains("balancer.window-closed"))
        s.balancer.activeWindow = .init(start: "23:30", stop: "00:30")      // wraps midnight: 60 min, closed now
        let f = audit(s)
        XCTAssertFalse(ids(f).contains("balancer.short-window"))
        XCTAssertEqual(one("balancer.window-closed", f)?.severity, .info)
        s.balancer.activeWindow = .init(start: "25:00", stop: "06:00")
        XCTAssertNotNil(one("balancer.bad-window", audit(s)))
    }

    func testCollectionsNotBalancedOrDefragmenting() {
        var s = clean()
        s.collections[0].noBalance = true
        XCTAssertNotNil(one("balancer.collection-off", audit(s)))
        s.collections[0].noBalance = false; s.collections[0].allowMigrations = false
        XCTAssertTrue(one("balancer.collection-off", audit(s))?.message.contains("migrations not permitted") ?? false)
        s.collections[0].allowMigrations = true; s.collections[0].defragmenting = true
        XCTAssertNotNil(one("balancer.defragmenting", audit(s)))
        XCTAssertFalse(ids(audit(s)).contains("balancer.collection-off"))
    }

    func testFailedBalancerRounds() {
        var s = clean()
        s.balancerRounds = [BalancerRound(time: ago(10), chunksMoved: 1), BalancerRound(time: ago(20), errorOccurred: true, errmsg: "lock busy"),
                            BalancerRound(time: ago(30), errorOccurred: true, errmsg: "lock busy")]
        let f = one("balancer.failed-rounds", audit(s))
        XCTAssertEqual(f?.severity, .warning)
        XCTAssertTrue(f?.message.contains("2 of the last 3") ?? false)
        s.balancerRounds.removeFirst()
        XCTAssertEqual(one("balancer.failed-rounds", audit(s))?.severity, .error)   // the newest failed
        s.balancerRounds = [BalancerRound(time: ago(10), chunksMoved: 1)]
        XCTAssertFalse(ids(audit(s)).contains("balancer.failed-rounds"))
    }

    func testFailedMigrationsInTheLast24HoursGroupedByReason() {
        var s = clean()
        let min1: BSONValue = .document(k(.int32(1))), min2: BSONValue = .document(k(.int32(2)))
        s.changelog = [
            ChangelogEntry(id: "1", server: "h", time: ago(60), what: "moveChunk.error", ns: "app.c", details: ["min": min1, "errmsg": "timeout"]),
            // The donor's failing `from` for the same chunk: the same failure, counted once.
            ChangelogEntry(id: "2", server: "h", time: ago(61), what: "moveChunk.from", ns: "app.c", details: ["min": min1, "errmsg": "timeout"]),
            ChangelogEntry(id: "3", server: "h", time: ago(3600), what: "moveChunk.from", ns: "app.c", details: ["min": min2, "errmsg": "timeout"]),
            ChangelogEntry(id: "4", server: "h", time: ago(7200), what: "moveChunk.error", ns: "app.d", details: ["errmsg": "chunk too big"]),
            ChangelogEntry(id: "5", server: "h", time: ago(90_000), what: "moveChunk.error", ns: "app.c", details: ["errmsg": "old"]),  // 25 h ago
            ChangelogEntry(id: "6", server: "h", time: ago(100), what: "moveChunk.commit", ns: "app.c"),
        ]
        let f = audit(s).filter { $0.id == "migrations.failed" }
        XCTAssertEqual(f.map { $0.data["reason"] }, [.string("timeout"), .string("chunk too big")])
        XCTAssertEqual(f.map { $0.data["count"] }, [.int(2), .int(1)])
        // Entries read for the 24 h window (beyond the snapshot's newest N) are counted too, once each.
        let extra = [ChangelogEntry(id: "7", server: "h", time: ago(20_000), what: "moveChunk.error", ns: "app.d", details: ["errmsg": "chunk too big"]),
                     s.changelog[3]]
        let g = Audit.run(s, AuditInputs(chunks: ChunkFacts(), probes: [], timeZone: utc, recentChangelog: extra)).filter { $0.id == "migrations.failed" }
        XCTAssertEqual(g.map { $0.data["count"] }, [.int(2), .int(2)])
        // Near miss: only a success and an old failure.
        s.changelog = [s.changelog[4], s.changelog[5]]
        XCTAssertFalse(ids(audit(s)).contains("migrations.failed"))
    }

    // MARK: shards and routers

    func testDrainingShardAndSingleHostShard() {
        var s = clean()
        s.shards[2].draining = true
        XCTAssertEqual(one("shards.draining", audit(s))?.data["chunksLeft"], .int(9))
        s.shards[2].draining = false
        s.shards[1].host = "h2a:27018"
        let f = audit(s, probes: [healthyProbe("s1"), healthyProbe("s2"), healthyProbe("s3")])
        XCTAssertEqual(one("shards.not-replica-set", f)?.subject, Finding.Subject(.shard, "s2"))
        XCTAssertFalse(ids(f).contains("shards.draining"))
    }

    func testStaleMongosAfterFiveMinutes() {
        var s = clean()
        s.mongos.append(Mongos(host: "m3:27017", ping: ago(5 + 301), version: "7.0.14"))
        XCTAssertEqual(one("mongos.stale", audit(s))?.subject, Finding.Subject(.mongos, "m3:27017"))
        s.mongos[2].ping = ago(299)
        XCTAssertFalse(ids(audit(s)).contains("mongos.stale"))
        // A dump: measured against its newest ping (5 s before asOf), so 304 s before asOf is 299 s: not stale.
        s.source = SourceInfo(kind: .dump, display: "d")
        s.mongos[2].ping = ago(5 + 299)
        XCTAssertFalse(ids(audit(s)).contains("mongos.stale"))
        s.mongos[2].ping = ago(5 + 301)
        XCTAssertNotNil(one("mongos.stale", audit(s)))
        s.source = SourceInfo(kind: .live, display: "h")
        s.mongos[2].ping = nil
        XCTAssertTrue(one("mongos.stale", audit(s))?.message.contains("never pinged") ?? false)
    }

    func testMongosVersions() {
        var s = clean()
        s.mongos[1].version = "7.0.12"
        XCTAssertNotNil(one("mongos.versions", audit(s)))
        s.mongos[1].version = nil
        XCTAssertFalse(ids(audit(s)).contains("mongos.versions"))
    }

    // MARK: resilience

    func testResilienceNotCheckedWithoutProbes() {
        let f = Audit.run(clean(), AuditInputs(chunks: ChunkFacts(), probes: nil, timeZone: utc))
        XCTAssertEqual(one("resilience.not-checked", f)?.severity, .info)
        XCTAssertTrue(f.first { $0.id == "resilience.not-checked" }!.message.contains("not checked: needs a live connection"))
    }

    func testShardWithoutPrimary() {
        var p = healthyProbe("s1")
        p.hosts[0] = HostProbe(host: p.hosts[0].host, error: "cannot reach")
        p.members![0].state = 8; p.members![0].stateStr = "(not reachable/healthy)"; p.members![0].health = 0
        let f = audit(clean(), probes: [p, healthyProbe("s2"), healthyProbe("s3")])
        XCTAssertEqual(one("resilience.no-primary", f)?.severity, .error)
        XCTAssertEqual(one("resilience.unreachable", f)?.data["host"], .string("s1a:27018"))
        XCTAssertNotNil(one("resilience.member-unhealthy", f))
        // Near miss: a secondary down, the primary up.
        var q = healthyProbe("s1")
        q.hosts[2] = HostProbe(host: q.hosts[2].host, error: "cannot reach")
        XCTAssertFalse(ids(audit(clean(), probes: [q, healthyProbe("s2"), healthyProbe("s3")])).contains("resilience.no-primary"))
    }

    func testRecoveringMemberAndLag() {
        var p = healthyProbe("s1", lag: 30)
        p.members![2].state = 3; p.members![2].stateStr = "RECOVERING"
        let f = audit(clean(), probes: [p, healthyProbe("s2", lag: 9), healthyProbe("s3")])
        XCTAssertEqual(one("resilience.lag", f)?.data["lagSeconds"], .int(30))
        XCTAssertTrue(one("resilience.member-unhealthy", f)?.message.contains("RECOVERING") ?? false)
    }

    func testFewerThanThreeVoters() {
        var p = healthyProbe("s1")
        p.votingMembers = 2; p.writableVotingMembers = 2
        XCTAssertNotNil(one("resilience.few-voters", audit(clean(), probes: [p, healthyProbe("s2"), healthyProbe("s3")])))
        // From hello alone (no replSetGetStatus): hosts + passives + arbiters.
        var h = healthyProbe("s1")
        h.members = nil; h.votingMembers = nil; h.statusError = "not authorized"
        let f = audit(clean(), probes: [h, healthyProbe("s2"), healthyProbe("s3")])
        XCTAssertFalse(ids(f).contains("resilience.few-voters"))
        XCTAssertNotNil(one("resilience.status-unavailable", f))
    }

    func testConfigServersAreNamedAndNotProbedIsSaid() {
        var cfg = healthyProbe("cfg")
        cfg.shard = ReplicaSetProbe.configServers; cfg.isConfigSet = true
        cfg.hosts[0] = HostProbe(host: cfg.hosts[0].host, error: "refused")
        cfg.members![0].state = 8; cfg.members![0].health = 0
        let f = audit(clean(), probes: [healthyProbe("s1"), healthyProbe("s2"), healthyProbe("s3"), cfg])
        XCTAssertEqual(one("resilience.no-primary", f)?.message, "config servers: no primary")
        XCTAssertEqual(one("resilience.no-primary", f)?.subject, Finding.Subject(.cluster, "config servers"))
        let g = audit(clean(), probes: [healthyProbe("s1"), healthyProbe("s2"), healthyProbe("s3"), .configNotProbed("getShardMap: code 13")])
        XCTAssertEqual(one("resilience.not-probed", g)?.message, "config servers: not probed (getShardMap: code 13)")
        XCTAssertEqual(g.filter { $0.severity != .info }.map(\.id), [])
    }

    // MARK: durability

    func testDefaultWriteConcern() {
        var s = clean()
        s.defaultRWConcern = ["defaultWriteConcern": .document(["w": .int32(1)]), "defaultWriteConcernSource": .string("global")]
        XCTAssertTrue(one("durability.write-concern", audit(s))?.message.contains("w: 1") ?? false)
        s.defaultRWConcern = ["defaultWriteConcern": .document(["w": .string("majority"), "j": .bool(false)])]
        let f = audit(s)
        XCTAssertNotNil(one("durability.journal", f))
        XCTAssertFalse(ids(f).contains("durability.write-concern"))
        // 5.0+ with nothing set: the implicit default, not a finding.
        s.defaultRWConcern = ["defaultWriteConcernSource": .string("implicit")]
        XCTAssertEqual(ids(audit(s)), [])
        // A dump: said so.
        s.defaultRWConcern = nil
        XCTAssertEqual(one("durability.not-checked", audit(s))?.severity, .info)
    }

    func testMajorityWritesNeedDataBearingMembers() {
        // Primary-secondary-arbiter with the secondary down: 1 data-bearing member up, w: majority needs 2.
        let hosts = ["pa:1", "pb:1", "pc:1"]
        var p = ReplicaSetProbe(shard: "s1", hosts: [HostProbe(host: hosts[0], isWritablePrimary: true, hosts: hosts)],
                                members: [MemberStatus(name: hosts[0], state: 1, stateStr: "PRIMARY", optime: now),
                                          MemberStatus(name: hosts[1], state: 8, stateStr: "(not reachable/healthy)", health: 0),
                                          MemberStatus(name: hosts[2], state: 7, stateStr: "ARBITER")],
                                votingMembers: 3, writableVotingMembers: 2, writeMajority: 2)
        XCTAssertEqual(one("durability.majority-unavailable", audit(clean(), probes: [p, healthyProbe("s2"), healthyProbe("s3")]))?.severity, .error)
        // The secondary back: writes work, but the set is fragile.
        p.members![1] = MemberStatus(name: hosts[1], state: 2, stateStr: "SECONDARY", optime: now)
        let f = audit(clean(), probes: [p, healthyProbe("s2"), healthyProbe("s3")])
        XCTAssertFalse(ids(f).contains("durability.majority-unavailable"))
        XCTAssertNotNil(one("durability.majority-fragile", f))
    }

    // MARK: ordering and output

    func testFindingsSortedBySeverityAndJSONShape() {
        var s = clean()
        s.balancer.stopped = true
        s.zoneRanges = [ZoneRange(ns: "app.c", zone: "Z", min: k(.minKey), max: k(.maxKey))]
        let f = audit(s)
        XCTAssertEqual(f.map(\.severity), f.map(\.severity).sorted(by: >))
        XCTAssertEqual(f.first?.id, "zones.no-shard")
        let json = f[0].json
        for key in ["id", "severity", "subject", "message", "advice", "data"] { XCTAssertNotNil(json[key], key) }
        XCTAssertEqual(json["subject"]?["kind"], .string("zone"))
    }

    func testNamesAreEscapedInMessages() {
        var s = clean()
        s.collections[0].ns = "app.\u{1b}[31mevil"
        s.distribution = ["app.\u{1b}[31mevil": [ShardChunkCount(shard: "s1", chunks: 3)]]
        let f = one("distribution.single-shard", audit(s))
        XCTAssertFalse(f?.message.contains("\u{1b}") ?? true)
        XCTAssertTrue(f?.message.contains("\\x1b[31mevil") ?? false)
        XCTAssertEqual(f?.subject.name, "app.\u{1b}[31mevil")   // raw, for jumping to it
    }
}

/// `ChunkFacts.gather`: a dump walks each collection once through `add`; a live source asks per question through
/// `chunks(of:matching:limit:)` (the default implementation pages, filters and stops at the end of a zone range).
/// Both find the same facts.
final class ChunkFactsGatherTests: XCTestCase {
    final class PagedSource: MetadataSource {
        let info: SourceInfo
        let all: [Chunk]
        var pages = 0
        init(_ chunks: [Chunk], kind: SourceInfo.Kind = .dump) { all = chunks; info = SourceInfo(kind: kind, display: "mem") }
        func snapshot(progress: ((LoadProgress) -> Void)?) throws -> ClusterSnapshot { fatalError("not used") }
        func chunks(of collection: ShardedCollection, after: BSONDocument?, limit: Int) throws -> [Chunk] {
            pages += 1
            let start = after.map { a in all.firstIndex { BSONDocument.compareKeys($0.min, a) > 0 } ?? all.count } ?? 0
            return Array(all[start..<min(all.count, start + limit)])
        }
        func chunk(of collection: ShardedCollection, containing key: BSONDocument) throws -> Chunk? { all.first { $0.contains(key) } }
        func changelog(newerThan time: Date, limit: Int) throws -> [ChangelogEntry] { [] }
    }

    func k(_ i: Int64?) -> BSONDocument { ["x": i.map { .int64($0) } ?? .maxKey] }

    func testGatherMatchesTheStreamingScan() throws {
        // 12,000 chunks of [i*10, i*10+10); zone A = [0, 50000) on s1, zone B = [50000, MaxKey) on s2.
        let n = 12_000
        let chunks = (0..<n).map { i -> Chunk in
            let shard = i % 997 == 5 ? "s3" : (i < 5000 ? "s1" : "s2")       // every 997th chunk on s3: outside its zone
            return Chunk(id: .int64(Int64(i)), min: i == 0 ? ["x": .minKey] : k(Int64(i * 10)), max: i == n - 1 ? k(nil) : k(Int64(i * 10 + 10)),
                         shard: shard, jumbo: i == 7 || i == 9000)
        }
        let snap = ClusterSnapshot(
            source: SourceInfo(kind: .dump, display: "mem"), asOf: Date(),
            shards: [Shard(id: "s1", host: "rs1/a:1", zones: ["A"]), Shard(id: "s2", host: "rs2/b:1", zones: ["B"]), Shard(id: "s3", host: "rs3/c:1")],
            collections: [ShardedCollection(ns: "d.c", key: ShardKey(document: ["x": .int32(1)]), keying: .ns("d.c"))],
            distribution: ["d.c": [ShardChunkCount(shard: "s1", chunks: 4995, jumbo: 1), ShardChunkCount(shard: "s2", chunks: 6993, jumbo: 1),
                                   ShardChunkCount(shard: "s3", chunks: 12)]],
            zoneRanges: [ZoneRange(ns: "d.c", zone: "A", min: ["x": .minKey], max: k(50_000)), ZoneRange(ns: "d.c", zone: "B", min: k(50_000), max: k(nil))])
        let source = PagedSource(chunks)
        let facts = try ChunkFacts.gather(from: source, snapshot: snap)
        // A dump walks the collection once, pages of 5000: 3 pages (it used to page once per zone range and once
        // more for the jumbo chunks).
        XCTAssertEqual(source.pages, 3)
        var streamed = ChunkFacts()
        streamed.add(chunks, of: "d.c", snapshot: snap)
        // A live source asks one question per zone range and one for jumbo chunks (here through the default
        // `chunks(of:matching:limit:)`, which pages and filters as LiveSource's find does on the server): same facts.
        let live = PagedSource(chunks, kind: .live)
        let asked = try ChunkFacts.gather(from: live, snapshot: snap)
        XCTAssertEqual(asked.misplacedCount, facts.misplacedCount)
        XCTAssertEqual(asked.misplaced["d.c"]!.map(\.chunk.id), facts.misplaced["d.c"]!.map(\.chunk.id))
        XCTAssertEqual(asked.misplaced["d.c"]!.map(\.zone), facts.misplaced["d.c"]!.map(\.zone))
        XCTAssertEqual(asked.jumbo, facts.jumbo)
        XCTAssertEqual(asked.scanned, facts.scanned)
        XCTAssertEqual(asked.misplacedCapped, [])
        XCTAssertGreaterThan(live.pages, 3)
        // The walk ends once the questions are answered: one zone range ending at chunk 2000, the last jumbo chunk
        // (9000) on the second page: two pages of three, and the same facts as the live questions.
        var short = snap
        short.zoneRanges = [ZoneRange(ns: "d.c", zone: "A", min: ["x": .minKey], max: k(20_000))]
        source.pages = 0
        let early = try ChunkFacts.gather(from: source, snapshot: short)
        XCTAssertEqual(source.pages, 2)
        let earlyLive = try ChunkFacts.gather(from: PagedSource(chunks, kind: .live), snapshot: short)
        XCTAssertEqual(early.misplacedCount, ["d.c": 3])              // i = 5, 1002 and 1999
        XCTAssertEqual(early.misplacedCount, earlyLive.misplacedCount)
        XCTAssertEqual(early.misplaced["d.c"]!.map(\.chunk.id), earlyLive.misplaced["d.c"]!.map(\.chunk.id))
        XCTAssertEqual(early.jumbo, earlyLive.jumbo)
        XCTAssertEqual(early.scanned, ["d.c"])
        // No zone range and no jumbo chunk left to find: one page.
        var jumboOnly = short
        jumboOnly.zoneRanges = []
        jumboOnly.distribution["d.c"] = [ShardChunkCount(shard: "s1", chunks: 12_000, jumbo: 1)]
        source.pages = 0
        XCTAssertEqual(try ChunkFacts.gather(from: source, snapshot: jumboOnly).jumbo["d.c"]!.map(\.id), [.int64(7)])
        XCTAssertEqual(source.pages, 1)
        XCTAssertEqual(facts.misplacedCount["d.c"], 13)          // i = 5, 1002, …, 11969
        XCTAssertEqual(facts.misplacedCount, streamed.misplacedCount)
        XCTAssertEqual(facts.misplaced["d.c"]!.map(\.chunk.id), streamed.misplaced["d.c"]!.map(\.chunk.id))
        XCTAssertEqual(facts.misplaced["d.c"]!.map(\.zone).prefix(7), ["A", "A", "A", "A", "A", "A", "B"])   // i < 5000: zone A
        XCTAssertEqual(facts.jumbo["d.c"]!.map(\.id), [.int64(7), .int64(9000)])
        XCTAssertEqual(facts.scanned, ["d.c"])
        // Zone A's range ends at chunk 5000: its scan stops at the first chunk past it (pages of 5000: the second
        // page's first chunk), not at the end of the collection (three pages).
        source.pages = 0
        _ = try source.chunks(of: snap.collections[0], matching: ChunkQuery(within: (["x": .minKey], k(50_000)), notOn: ["s1"]), limit: 1000)
        XCTAssertEqual(source.pages, 2)
        // The limit caps what is returned.
        XCTAssertEqual(try source.chunks(of: snap.collections[0], matching: ChunkQuery(jumboOnly: true), limit: 1).map(\.id), [.int64(7)])
        let f = Audit.run(snap, AuditInputs(chunks: facts, probes: [], timeZone: TimeZone(identifier: "UTC")!)).filter { $0.id == "zones.wrong-shard" }
        XCTAssertEqual(f.first?.data["count"], .int(13))
        XCTAssertEqual(f.first?.data["countIsAtLeast"], .bool(false))
    }
}
