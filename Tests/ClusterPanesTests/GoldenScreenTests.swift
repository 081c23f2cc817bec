import XCTest
import ClusterModel
import TermGrid
@testable import ClusterPanes

/// Every pane rendered from the fixed snapshot at 80x24 and 132x43, compared with text files.
final class GoldenScreenTests: XCTestCase {
    let sizes = [(80, 24), (132, 43)]

    func render(_ s: AppState, _ w: Int, _ h: Int) -> Grid { Screen.render(s, width: w, height: h, now: Fixture.now) }

    func testEveryPane() {
        for (pane, name) in [(PaneID.overview, "overview"), (.shards, "shards"), (.collections, "collections"), (.balancer, "balancer"),
                             (.changelog, "changelog"), (.mongos, "mongos"), (.zones, "zones")] {
            var s = Fixture.state()
            s.pane = pane
            for (w, h) in sizes { assertGolden(render(s, w, h), name) }
        }
    }

    func chunkMapState() -> AppState {
        var s = Fixture.state()
        Fixture.selectUsers(&s)
        let effects = Fixture.press(&s, .enter)
        XCTAssertEqual(effects, [.loadChunkPage(ns: Fixture.users, after: nil)])
        s.apply(.chunkPage(ns: Fixture.users, after: nil, chunks: Array(Fixture.userChunks.prefix(12))))
        Fixture.press(&s, .down, .down, .down, .down)
        return s
    }

    func testChunkMapWithALoadedPage() {
        let s = chunkMapState()
        for (w, h) in sizes { assertGolden(render(s, w, h), "chunkmap") }
    }

    func testHelp() {
        var s = Fixture.state()
        Fixture.press(&s, .char("?"))
        for (w, h) in sizes { assertGolden(render(s, w, h), "help") }
    }

    func testDetailsOverlay() {
        var s = Fixture.state()
        Fixture.press(&s, .char("6"), .down, .enter)
        for (w, h) in sizes { assertGolden(render(s, w, h), "details") }
    }

    func testTooSmall() {
        let s = Fixture.state()
        assertGolden(render(s, 38, 9), "toosmall")
        XCTAssertTrue(render(s, 38, 9).text.contains("terminal too small: 38x9, need 40x10"))
        XCTAssertFalse(render(s, 40, 10).text.contains("too small"))
    }

    func testMonochromeAsciiCollections() {
        var s = Fixture.state(options: UIOptions(glyphs: .ascii, timeZone: Fixture.utc, color: false))
        s.pane = .collections
        assertGolden(render(s, 80, 24), "collections-mono-ascii")
        // Shards are told apart by letters, and the legend says which is which.
        let text = render(s, 80, 24).text
        XCTAssertTrue(text.contains("A shard01"), text)
        XCTAssertTrue(text.contains("AAAA"), text)
        XCTAssertFalse(text.contains("█"))
    }

    func testLoadingFailedAndStaleHeaders() {
        var s = AppState(source: Fixture.source, options: Fixture.options)
        s.apply(.loading(.chunks(scanned: 12_345, bytesRead: 50, totalBytes: 200)))
        XCTAssertTrue(render(s, 80, 24).text.contains("loading… chunks 12,345 (25%)"))
        s.apply(.snapshot(Fixture.snapshot, receivedAt: Fixture.now.addingTimeInterval(-1.2)))
        XCTAssertTrue(render(s, 80, 24).text.contains("live · 1.2 s ago"))
        s.apply(.failed(message: "connection refused", at: Fixture.now.addingTimeInterval(-34)))
        s.apply(.failed(message: "connection refused", at: Fixture.now.addingTimeInterval(-2)))
        let g = render(s, 132, 43)
        XCTAssertTrue(g.text.contains("stale: server unreachable for 34 s (connection refused)"), g.text)
        let at = find("stale:", in: g)!
        XCTAssertEqual(g[at.x, at.y].role, .badgeError)
        s.apply(.snapshot(Fixture.snapshot, receivedAt: Fixture.now))
        XCTAssertTrue(render(s, 80, 24).text.contains("live · 0.0 s ago"))

        var dump = ClusterSnapshot(source: SourceInfo(kind: .dump, display: "/backups/cfg"), asOf: Fixture.now)
        var d = AppState(source: dump.source, options: Fixture.options)
        d.apply(.snapshot(dump, receivedAt: Fixture.now))
        XCTAssertTrue(render(d, 80, 24).text.contains("dump · 2026-11-20 14:03"))
        dump.source = SourceInfo(kind: .demo, display: "demo (seed 1)")
        var demo = AppState(source: dump.source, options: Fixture.options)
        demo.apply(.snapshot(dump, receivedAt: Fixture.now))
        XCTAssertTrue(render(demo, 80, 24).text.contains("demo · sim 14:03:00"))
    }

    func testEveryPaneFitsFrom40x10Up() {
        for (w, h) in [(40, 10), (60, 20), (100, 30), (200, 60)] {
            for pane in PaneID.allCases {
                var s = Fixture.state()
                _ = s.show(pane)
                let g = render(s, w, h)
                XCTAssertEqual(g.width, w)
                XCTAssertTrue(g.text.contains(" \(pane.rawValue) "), "tab line at \(w)x\(h)")
                XCTAssertFalse(g.text.contains("\u{1b}"))
            }
        }
    }
}

/// Roles of key cells: colour decisions are roles, checked with colour off.
final class RoleTests: XCTestCase {
    /// The pane with the last row selected (so the first rows show their own roles).
    func grid(_ pane: PaneID, _ w: Int = 132, _ h: Int = 43, selectLast: Bool = true) -> Grid {
        var s = Fixture.state()
        _ = s.show(pane)
        if selectLast { Fixture.press(&s, .char("G")) }
        return Screen.render(s, width: w, height: h, now: Fixture.now)
    }

    func testBalancerBadgeIsAnErrorAfterAFailedRound() {
        let g = grid(.overview)
        let at = find("balancer error", in: g)!
        XCTAssertEqual(g[at.x, 0].role, .badgeError)
        XCTAssertEqual(at.y, 0)
        var snap = Fixture.snapshot
        snap.balancerRounds = []
        XCTAssertEqual(Chrome.balancerBadge(snap, timeZone: Fixture.utc).role, .badgeWarn)   // outside 22:00–06:00
        snap.balancer.activeWindow = nil
        XCTAssertEqual(Chrome.balancerBadge(snap, timeZone: Fixture.utc).role, .badgeOK)
        snap.balancer.stopped = true
        XCTAssertEqual(Chrome.balancerBadge(snap, timeZone: Fixture.utc).text, " balancer off ")
    }

    func testStaleMongosRowAndVersionSkew() {
        let g = grid(.mongos, selectLast: false)   // router1 selected
        let stale = find("router3.example.net", in: g)!
        XCTAssertEqual(g[stale.x, stale.y].role, .warn)
        let skew = find("6.0.19", in: g)!
        XCTAssertEqual(g[skew.x, skew.y].role, .warn)
        let fresh = find("router2.example.net", in: g)!
        XCTAssertEqual(g[fresh.x, fresh.y].role, .normal)
        XCTAssertEqual(g[find("stale, skew", in: g)!.x, stale.y].role, .error)
    }

    func testFailedMigrationIsAnError() {
        for pane in [PaneID.balancer, .changelog] {
            let g = grid(pane)
            let at = find("chunk too big to move", in: g)!
            XCTAssertEqual(g[at.x, at.y].role, .error, "\(pane)")
        }
        // The Overview lists the audit's findings with their severity: failed migrations are a warning there
        // (they often fail transiently), while the failed newest balancer round is an error.
        let o = grid(.overview)
        XCTAssertEqual(o[find("chunk too big to move", in: o)!.x, find("chunk too big to move", in: o)!.y].role, .warn)
        XCTAssertEqual(o[find("could not acquire", in: o)!.x, find("could not acquire", in: o)!.y].role, .error)
        let g = grid(.balancer)
        let ok = find("1 succeeded", in: g)!      // the 2-day-old commit is outside the 24 h
        XCTAssertEqual(g[ok.x, ok.y].role, .ok)
        XCTAssertEqual(g[find("1 failed", in: g)!.x, ok.y].role, .error)
    }

    func testShardColoursInDistributionBarAndDrainingShard() {
        let g = grid(.collections)
        let row = find(Fixture.orders, in: g)!.y
        let roles = Set((0..<g.width).map { g[$0, row].role })
        XCTAssertTrue(roles.isSuperset(of: [.shard(0), .shard(1), .shard(2)]), "\(roles)")
        let s = grid(.shards, selectLast: false)
        let draining = find("shard03", in: s)!
        XCTAssertEqual(s[draining.x + 20, draining.y].role, .warn)
    }

    func testHeaderAndFooterRoles() {
        let g = grid(.collections, 80, 24)
        XCTAssertEqual(g[0, 0].role, .headerBar)
        XCTAssertEqual(g[1, 23].role, .footerKey)
        XCTAssertTrue(g.text.split(separator: "\n").last!.contains("? help"))
        XCTAssertTrue(g.text.split(separator: "\n").last!.contains("/ filter"))
        XCTAssertTrue(g.text.split(separator: "\n").last!.contains("Enter chunk map"))
    }
}
