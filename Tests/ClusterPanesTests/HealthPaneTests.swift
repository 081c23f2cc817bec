import XCTest
import ClusterModel
import TermGrid
@testable import ClusterPanes

/// The Health pane: the audit's findings from the fixed snapshot, Enter going to their objects, the probed member
/// table, the header badge, and the Overview's problems coming from the same findings.
final class HealthPaneTests: XCTestCase {
    func render(_ s: AppState, _ w: Int, _ h: Int) -> Grid { Screen.render(s, width: w, height: h, now: Fixture.now) }

    /// The users collection's chunks scanned, one of them (jumbo) on the draining shard03 inside the EU zone.
    func scanned() -> AuditInputs {
        var facts = ChunkFacts()
        var chunks = Fixture.userChunks
        chunks[4].shard = "shard03"
        facts.add(chunks, of: Fixture.users, snapshot: Fixture.snapshot)
        facts.scanned.insert(Fixture.users)
        return AuditInputs(chunks: facts, probes: nil, timeZone: Fixture.utc)
    }

    func probes() -> [ReplicaSetProbe] {
        let t = Fixture.now
        return [
            ReplicaSetProbe(shard: "shard01",
                            hosts: [HostProbe(host: "db1a.example.net:27018", setName: "rs01", isWritablePrimary: true, hosts: ["db1a.example.net:27018", "db1b.example.net:27018"], arbiters: ["db1c.example.net:27018"]),
                                    HostProbe(host: "db1b.example.net:27018", setName: "rs01", secondary: true)],
                            members: [MemberStatus(name: "db1a.example.net:27018", state: 1, stateStr: "PRIMARY", optime: t),
                                      MemberStatus(name: "db1b.example.net:27018", state: 2, stateStr: "SECONDARY", optime: t.addingTimeInterval(-42)),
                                      MemberStatus(name: "db1c.example.net:27018", state: 7, stateStr: "ARBITER")],
                            votingMembers: 3, writableVotingMembers: 2, writeMajority: 2),
            ReplicaSetProbe(shard: "shard02",
                            hosts: [HostProbe(host: "db2a.example.net:27018", error: "cannot reach db2a.example.net:27018 within 5 s: connection refused"),
                                    HostProbe(host: "db2b.example.net:27018", setName: "rs02", secondary: true, hosts: ["db2a.example.net:27018", "db2b.example.net:27018"])],
                            statusError: "command 'replSetGetStatus' failed with code 13: not authorized"),
        ]
    }

    func testFindingsFromTheFixture() {
        let s = Fixture.state()
        let ids = s.findings.map(\.id)
        // Errors first: the newest balancer round failed.
        XCTAssertEqual(s.findings.first?.id, "balancer.failed-rounds")
        for id in ["zones.gap", "jumbo.chunks", "mongos.stale", "mongos.versions", "shards.draining",
                   "migrations.failed", "balancer.collection-off", "resilience.not-checked", "durability.not-checked", "zones.wrong-shard.not-checked"] {
            XCTAssertTrue(ids.contains(id), "\(id) in \(ids)")
        }
        XCTAssertFalse(ids.contains("zones.wrong-shard"))
    }

    func testGoldens() {
        var s = Fixture.state()
        s.apply(.audit(scanned()))
        _ = s.handle(.char("9"), now: Fixture.now)
        XCTAssertEqual(s.pane, .health)
        XCTAssertTrue(s.findings.contains { $0.id == "zones.wrong-shard" })
        for (w, h) in [(80, 24), (132, 43)] { assertGolden(render(s, w, h), "health") }
    }

    func testProbedMemberTable() {
        var s = Fixture.state()
        var inputs = scanned()
        inputs.probes = probes()
        s.apply(.audit(inputs))
        _ = s.handle(.char("9"), now: Fixture.now)
        let ids = s.findings.map(\.id)
        for id in ["resilience.no-primary", "resilience.unreachable", "resilience.lag", "resilience.status-unavailable", "durability.majority-fragile"] {
            XCTAssertTrue(ids.contains(id), "\(id) in \(ids)")
        }
        XCTAssertFalse(ids.contains("resilience.not-checked"))
        let g = render(s, 132, 43)
        assertGolden(g, "health-probed")
        XCTAssertNotNil(find("Replica sets (probed)", in: g))
        XCTAssertNotNil(find("ARBITER", in: g))
        XCTAssertNotNil(find("unreachable", in: g))
        XCTAssertNotNil(find("42 s", in: g))
    }

    func testEnterGoesToTheObject() {
        var s = Fixture.state()
        s.apply(.audit(scanned()))
        _ = s.handle(.char("9"), now: Fixture.now)
        func enter(on id: String, subject: String? = nil) {
            let i = HealthPane.visibleFindings(s).firstIndex { $0.id == id && (subject == nil || $0.subject.name == subject) }!
            s.pane = .health
            s.positions[.health] = ListPosition(selected: i)
            XCTAssertEqual(s.handle(.enter, now: Fixture.now), [])
        }
        enter(on: "zones.wrong-shard")
        XCTAssertEqual(s.pane, .collections)
        XCTAssertEqual(CollectionsPane.visibleCollections(s)[s.position(.collections).selected].ns, Fixture.users)

        // A filter hiding the row is cleared.
        s.filters[.mongos] = "router1"
        enter(on: "mongos.stale")
        XCTAssertEqual(s.pane, .mongos)
        XCTAssertNil(s.filters[.mongos])
        XCTAssertEqual(MongosPane.visibleTable(s).rows[s.position(.mongos).selected].cells[0].plain, "router3.example.net:27017")

        enter(on: "shards.draining")
        XCTAssertEqual(s.pane, .shards)
        XCTAssertEqual(ShardsPane.visibleTable(s).rows[s.position(.shards).selected].cells[0].plain, "shard03")

        enter(on: "balancer.failed-rounds")
        XCTAssertEqual(s.pane, .balancer)

        // A failed-migration finding opens the changelog on those failures.
        enter(on: "migrations.failed")
        XCTAssertEqual(s.pane, .changelog)
        XCTAssertEqual(s.filters[.changelog], "what:movechunk details:chunk ns:app.users")
        XCTAssertEqual(ChangelogPane.entries(s).map(\.id), ["c6"])

        // A zone finding scrolls the Zones pane to the zone.
        var z = Fixture.state()
        var snap = Fixture.snapshot
        snap.shards[2].zones = ["APAC"]
        z.apply(.snapshot(snap, receivedAt: Fixture.now))
        z.pane = .health
        let i = HealthPane.visibleFindings(z).firstIndex { $0.id == "zones.unused" }!
        z.positions[.health] = ListPosition(selected: i)
        _ = z.handle(.enter, now: Fixture.now)
        XCTAssertEqual(z.pane, .zones)
        let lines = ZonesPane.lines(z, width: 80)
        XCTAssertEqual(lines[z.position(.zones).top].first?.text, " APAC ")
    }

    func testHeaderBadgeCountsErrorsAndWarnings() {
        let s = Fixture.state()
        let e = s.findings.count(.error), w = s.findings.count(.warning)
        XCTAssertGreaterThan(e, 0); XCTAssertGreaterThan(w, 0)
        let text = render(s, 132, 43).text.components(separatedBy: "\n")[0]
        XCTAssertTrue(text.contains(" \(e) err · \(w) warn "), text)
        // A cluster with nothing wrong shows no badge.
        var clean = AppState(source: Fixture.source, options: Fixture.options)
        clean.apply(.snapshot(ClusterSnapshot(source: Fixture.source, asOf: Fixture.now,
                                              defaultRWConcern: ["defaultWriteConcernSource": .string("implicit")]), receivedAt: Fixture.now))
        clean.apply(.audit(AuditInputs(chunks: ChunkFacts(), probes: [], timeZone: Fixture.utc)))
        XCTAssertEqual(clean.findings, [])
        XCTAssertFalse(render(clean, 132, 43).text.contains(" warn "))
    }

    func testOverviewProblemsAreTheAuditsErrorsAndWarnings() {
        let s = Fixture.state()
        let problems = OverviewPane.problems(s).map(\.text)
        let expected = s.findings.filter { $0.severity >= .warning }.map(\.message) + Fixture.snapshot.warnings
        XCTAssertEqual(problems, expected)
        XCTAssertFalse(problems.contains { $0.contains("not checked") })
    }

    func testTheBalancerPaneCountsTheSameDayAsTheAudit() {
        var s = Fixture.state()
        // The loader read the 24 h window: one more failure, 3 h old, that the snapshot's newest entries did not hold.
        let older = ChangelogEntry(id: "old", server: "db1a.example.net:27018", time: Fixture.ago(10_800), what: "moveChunk.error",
                                   ns: Fixture.orders, details: ["errmsg": .string("chunk too big to move")])
        s.apply(.audit(AuditInputs(chunks: nil, probes: nil, timeZone: Fixture.utc, recentChangelog: [older])))
        let failedInPane = BalancerPane.migrations(s).filter(\.failed).count
        let failedInAudit = s.findings.filter { $0.id == "migrations.failed" }.map { f -> Int64 in
            if case .int(let n)? = f.data["count"] { return n }
            return 0
        }.reduce(0, +)
        XCTAssertEqual(failedInPane, 2)
        XCTAssertEqual(failedInAudit, 2)
        XCTAssertTrue(OverviewPane.lines(s, width: 132).map(\.plain).contains { $0.contains("24 h migrations: 2 failed") })
    }

    func testFailedMigrationTailedAfterTheSnapshotAppears() {
        var s = Fixture.state()
        let before = s.findings.filter { $0.id == "migrations.failed" }.map { $0.data["count"] }
        s.apply(.changelog([ChangelogEntry(id: "new", server: "db1a.example.net:27018", time: Fixture.now, what: "moveChunk.error",
                                           ns: Fixture.orders, details: ["errmsg": .string("chunk too big to move")])]))
        let after = s.findings.filter { $0.id == "migrations.failed" }.map { $0.data["count"] }
        XCTAssertEqual(before, [.int(1)])
        XCTAssertEqual(after, [.int(2)])
    }
}
