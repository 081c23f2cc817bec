import XCTest
import ClusterModel
import TermGrid
@testable import ClusterPanes

/// What panes show is computed on events (snapshot, changelog tail, audit inputs, the compare baseline), once,
/// and read by every frame: the recent migrations, the compare deltas. And the Overview's stale routers are the
/// audit's (`mongos.stale`), the one rule the Health pane and `shardscope audit` show.
final class StateCacheTests: XCTestCase {
    func render(_ s: AppState, _ pane: Character) -> String {
        var s = s
        _ = s.handle(.char(pane), now: Fixture.now)
        return Screen.render(s, width: 132, height: 43, now: Fixture.now).text
    }

    /// 10,000 entries of the 24 h window, some of them the snapshot's own (by id), one failure among them.
    func recentWindow() -> [ChangelogEntry] {
        var extra: [ChangelogEntry] = (0..<10_000).map { (i: Int) -> ChangelogEntry in
            let what = i % 2 == 0 ? "moveChunk.commit" : "split"
            let details: BSONDocument = ["min": .document(["_id": .int64(Int64(i))])]
            return ChangelogEntry(id: "w\(i)", server: "db1a:27018", time: Fixture.ago(Double(600 + i * 8)), what: what, ns: Fixture.orders, details: details)
        }
        extra[5_001] = ChangelogEntry(id: "w5001", server: "db1a:27018", time: Fixture.ago(40_000), what: "moveChunk.error", ns: Fixture.users,
                                      details: ["errmsg": .string("LockBusy")])
        extra += Fixture.snapshot.changelog   // duplicates of what the snapshot holds: counted once
        return extra
    }

    func testRecentMigrationsAreComputedOnEventsAndReadByFrames() {
        var s = Fixture.state()
        let extra = recentWindow()
        s.apply(.audit(AuditInputs(chunks: nil, probes: nil, timeZone: Fixture.utc, recentChangelog: extra)))
        // The same list the audit counts: the held changelog plus the window, each entry once.
        let merged = AppState.mergedChangelog(Fixture.snapshot.changelog, extra)
        XCTAssertEqual(Set(merged.map(\.id)).count, merged.count)
        XCTAssertEqual(merged.count, Fixture.snapshot.changelog.count + 10_000)
        XCTAssertEqual(s.recentMigrations, Audit.recentMigrations(merged, asOf: Fixture.now))
        XCTAssertEqual(BalancerPane.migrations(s), s.recentMigrations)
        // Merging here and handing Audit.run the result gives the findings Audit.run gives merging itself.
        XCTAssertEqual(s.findings, Audit.run(Fixture.snapshot, AuditInputs(chunks: nil, probes: nil, timeZone: Fixture.utc, recentChangelog: extra)))
        let ok = s.recentMigrations.filter { !$0.failed }.count, failed = s.recentMigrations.filter(\.failed).count
        XCTAssertEqual(failed, 2)   // the fixture's own error and the window's
        XCTAssertTrue(BalancerPane.lines(s, width: 400).map(\.plain).contains { $0.contains("\(failed) failed") })
        XCTAssertTrue(OverviewPane.lines(s, width: 400).map(\.plain).contains { $0.contains("24 h migrations: \(failed) failed") })

        // A frame does not recompute them: what the state holds is what is drawn.
        var held = s
        held.recentMigrations = []
        XCTAssertTrue(render(held, "5").contains("0 succeeded · 0 failed"))
        XCTAssertTrue(render(held, "1").contains("24 h migrations: 0 failed, 0 ok"))

        // A tailed entry updates them (and the findings) with the event.
        s.apply(.changelog([ChangelogEntry(id: "t1", server: "db1a:27018", time: Fixture.now, what: "moveChunk.commit", ns: Fixture.orders, details: [:])]))
        XCTAssertEqual(s.recentMigrations.filter { !$0.failed }.count, ok + 1)
        XCTAssertEqual(BalancerPane.migrations(s).count, ok + 1 + failed)
    }

    func testOverviewStaleRoutersAreTheAuditsFindings() {
        var snap = Fixture.snapshot
        // 2 min behind the others: late by ClusterSnapshot.isStale (60 s), not by the audit (5 min); 10 min: both.
        snap.mongos = [
            Mongos(host: "router1.example.net:27017", ping: Fixture.ago(5), version: "7.0.14"),
            Mongos(host: "router2.example.net:27017", ping: Fixture.ago(125), version: "7.0.14"),
            Mongos(host: "router3.example.net:27017", ping: Fixture.ago(600), version: "7.0.14"),
            Mongos(host: "router4.example.net:27017", ping: nil, version: "7.0.14"),
        ]
        var s = AppState(source: Fixture.source, options: Fixture.options)
        s.apply(.snapshot(snap, receivedAt: Fixture.now))
        let stale = s.findings.filter { $0.id == "mongos.stale" }.map(\.subject.name)
        XCTAssertEqual(Set(stale), ["router3.example.net:27017", "router4.example.net:27017"])
        XCTAssertEqual(snap.mongos.filter(snap.isStale).count, 3, "the 60 s rule would count router2 too")
        let overview = render(s, "1")
        XCTAssertTrue(overview.contains("4 routers · 2 stale"), overview)
        let health = render(s, "9")
        XCTAssertTrue(health.contains("router3.example.net:27017") && health.contains("router4.example.net:27017"))
        XCTAssertFalse(health.contains("router2.example.net:27017"))
    }

    func testCompareDeltasComputedOncePerSnapshotPair() {
        var s = CompareTests.state()
        let expected = Dictionary(uniqueKeysWithValues: ClusterDiff.distribution(CompareTests.baseline, Fixture.snapshot).map { ($0.ns, $0) })
        XCTAssertEqual(s.compare!.distribution, expected)
        // The cells read the stored distribution: clearing it clears the deltas on screen.
        var cleared = s
        cleared.compare!.distribution = [:]
        let line = Screen.render(cleared, width: 132, height: 43, now: Fixture.now).text.split(separator: "\n").first { $0.contains("app.orders") }!
        XCTAssertFalse(line.contains("+8"), String(line))

        // A new snapshot of the main source: the deltas follow it.
        var snap = Fixture.snapshot
        snap.distribution[Fixture.orders] = [ShardChunkCount(shard: "shard01", chunks: 45), ShardChunkCount(shard: "shard02", chunks: 38),
                                             ShardChunkCount(shard: "shard03", chunks: 2)]
        s.apply(.snapshot(snap, receivedAt: Fixture.now))
        XCTAssertEqual(s.compare!.distribution[Fixture.orders], ClusterDiff.distribution(CompareTests.baseline, snap).first { $0.ns == Fixture.orders })
        let orders = Screen.render(s, width: 132, height: 43, now: Fixture.now).text.split(separator: "\n").first { $0.contains("app.orders") }!
        XCTAssertTrue(orders.contains("+3") && orders.contains("+5") && orders.contains("+8") && orders.contains("−10"), String(orders))

        // A baseline arriving before the main snapshot: computed when the snapshot arrives.
        var early = AppState(source: Fixture.source, options: Fixture.options)
        early.expectCompare(CompareTests.baseline.source)
        early.apply(.compareSnapshot(CompareTests.baseline))
        XCTAssertTrue(early.compare!.distribution.isEmpty)
        early.apply(.snapshot(Fixture.snapshot, receivedAt: Fixture.now))
        XCTAssertEqual(early.compare!.distribution, expected)
    }
}
