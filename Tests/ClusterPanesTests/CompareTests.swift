import XCTest
import ClusterModel
import TermGrid
@testable import ClusterPanes

/// Compare mode: the Collections pane with deltas against a baseline (`--compare`), as golden screens and
/// as behaviour (toggle key, footer and help only with a baseline, loading and failure notes).
final class CompareTests: XCTestCase {
    /// The fixture a while earlier: orders had fewer chunks on shard02 and more on shard03, the CJK
    /// collection did not exist yet, users was the same, and a collection since dropped existed.
    static let baseline: ClusterSnapshot = {
        var b = Fixture.snapshot
        b.source = SourceInfo(kind: .dump, display: "/backups/cfg-2026-10-20")
        b.asOf = Fixture.now.addingTimeInterval(-31 * 86400)
        b.distribution[Fixture.orders] = [ShardChunkCount(shard: "shard01", chunks: 40), ShardChunkCount(shard: "shard02", chunks: 30),
                                          ShardChunkCount(shard: "shard03", chunks: 12)]
        b.distribution[Fixture.emoji] = [ShardChunkCount(shard: "shard01", chunks: 2)]
        b.dataDistribution = [Fixture.orders: [ShardDataSize(shard: "shard01", ownedSizeBytes: 3_000_000_000),
                                               ShardDataSize(shard: "shard02", ownedSizeBytes: 2_500_000_000)]]
        b.collections.removeAll { $0.ns == Fixture.cjk }
        b.distribution[Fixture.cjk] = nil
        b.collections.append(ShardedCollection(ns: "app.legacy", key: ShardKey(document: ["x": .int32(1)]), keying: .uuid(.string("u0"))))
        b.distribution["app.legacy"] = [ShardChunkCount(shard: "shard01", chunks: 5)]
        return b
    }()

    static func state(loaded: Bool = true) -> AppState {
        var s = Fixture.state()
        s.expectCompare(baseline.source)
        if loaded { s.apply(.compareSnapshot(baseline)) }
        _ = s.handle(.char("3"), now: Fixture.now)
        return s
    }

    func render(_ s: AppState, _ w: Int, _ h: Int) -> Grid { Screen.render(s, width: w, height: h, now: Fixture.now) }

    func testGoldenCompareView() {
        let s = Self.state()
        assertGolden(render(s, 80, 24), "collections-compare")
        assertGolden(render(s, 132, 43), "collections-compare")
    }

    func testDeltasAreSourceMinusBaseline() {
        let s = Self.state()
        let text = render(s, 132, 43).text
        let lines = text.split(separator: "\n").map(String.init)
        let orders = lines.first { $0.contains("app.orders") }!
        XCTAssertTrue(orders.contains("=") == false && orders.contains("−2"), orders)   // 80 now, 82 then
        XCTAssertTrue(orders.contains("+8") && orders.contains("−10"), orders)          // shard02 +8, shard03 −10
        XCTAssertTrue(orders.contains("+572 MB"), orders)                                // 6.1 GB now, 5.5 GB then
        let users = lines.first { $0.contains("app.users") }!
        XCTAssertTrue(users.contains(" = "), users)
        XCTAssertTrue(lines.first { $0.contains("app.日本語") }!.contains("new"))
        XCTAssertTrue(text.contains("Δ vs /backups/cfg-2026-10-20 @ 2026-10-20 14:03"), text)
        XCTAssertTrue(text.contains("1 dropped since"))
        // Shard glyphs in the per-shard cell carry the shard's colour role.
        let g = render(s, 132, 43)
        let at = find("+8", in: g)!
        XCTAssertEqual(g[at.x - 1, at.y].role, .shard(1))
    }

    func testToggleKeyFooterAndHelpOnlyWithABaseline() {
        var s = Self.state()
        XCTAssertTrue(render(s, 132, 43).text.split(separator: "\n").last!.contains("c compare"))
        Fixture.press(&s, .char("c"))
        let hidden = render(s, 132, 43).text
        XCTAssertFalse(hidden.contains("Δ by shard"))
        XCTAssertTrue(hidden.contains("compare hidden (c)"))
        Fixture.press(&s, .char("c"))
        XCTAssertTrue(render(s, 132, 43).text.contains("Δ by shard"))
        Fixture.press(&s, .char("?"))
        XCTAssertTrue(render(s, 132, 43).text.contains("show or hide the deltas against the --compare source"))

        // Without a baseline: no compare column, no hint, no help line; the key says why it does nothing.
        var plain = Fixture.state()
        Fixture.press(&plain, .char("3"))
        XCTAssertFalse(render(plain, 132, 43).text.contains("c compare"))
        XCTAssertFalse(render(plain, 132, 43).text.contains("Δ"))
        Fixture.press(&plain, .char("c"))
        XCTAssertTrue(render(plain, 132, 43).text.contains("nothing to compare with"))
        Fixture.press(&plain, .char("?"))
        XCTAssertFalse(render(plain, 132, 43).text.contains("--compare source"))
    }

    func testLoadingAndFailedBaseline() {
        var s = Self.state(loaded: false)
        XCTAssertTrue(render(s, 132, 43).text.contains("compare: loading /backups/cfg-2026-10-20…"))
        XCTAssertFalse(render(s, 132, 43).text.contains("Δ by shard"))
        s.apply(.compareFailed(message: "chunks.bson truncated\u{1b}[2J"))
        let text = render(s, 200, 43).text
        XCTAssertTrue(text.contains("compare: cannot load /backups/cfg-2026-10-20: chunks.bson truncated\\x1b[2J"), text)
        XCTAssertFalse(text.contains("\u{1b}"))
        // The main source's state is untouched by the baseline's failure.
        XCTAssertTrue(text.contains("live · 1.2 s ago"))
        XCTAssertFalse(text.contains("Δ by shard"))
    }

    func testEnterStillOpensTheChunkMapInCompareMode() {
        var s = Self.state()
        let i = CollectionsPane.visibleCollections(s).firstIndex { $0.ns == Fixture.users }!
        s.positions[.collections] = ListPosition(selected: i)
        XCTAssertEqual(Fixture.press(&s, .enter), [.loadChunkPage(ns: Fixture.users, after: nil)])
    }

    func testFitsFrom40x10Up() {
        for (w, h) in [(40, 10), (60, 20), (100, 30), (200, 60)] {
            let g = render(Self.state(), w, h)
            XCTAssertEqual(g.width, w)
            XCTAssertTrue(g.text.contains("app.orders") || h < 12, "\(w)x\(h)")
        }
        // The delta column is kept even at 80 columns.
        XCTAssertTrue(render(Self.state(), 80, 24).text.contains(" Δ"))
        // No data column unless both sides have $shardedDataDistribution.
        var noData = Fixture.state()
        var base = Self.baseline
        base.dataDistribution = nil
        noData.expectCompare(base.source)
        noData.apply(.compareSnapshot(base))
        Fixture.press(&noData, .char("3"))
        XCTAssertFalse(render(noData, 132, 43).text.contains("Δ data"))
        XCTAssertTrue(render(Self.state(), 132, 43).text.contains("Δ data"))
    }
}
