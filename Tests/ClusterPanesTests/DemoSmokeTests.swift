import XCTest
import ClusterModel
import ClusterLoader
import TermGrid
@testable import ClusterPanes

/// The demo cluster through every pane at several sizes, with the loop's chunk-page effects answered
/// by the demo source: nothing crashes, every row is exactly the terminal's width.
final class DemoSmokeTests: XCTestCase {
    func testEveryPaneOnTheDemoCluster() throws {
        let source = DemoSource(seed: 1, shape: .v7_0, evolving: false)
        let snap = try source.snapshot(progress: nil)
        var s = AppState(source: source.info, options: UIOptions(timeZone: TimeZone(identifier: "UTC")!))
        s.apply(.snapshot(snap, receivedAt: snap.asOf))
        func run(_ effects: [Effect]) throws {
            for case .loadChunkPage(let ns, let after) in effects {
                let coll = try XCTUnwrap(snap.collection(ns))
                s.apply(.chunkPage(ns: ns, after: after, chunks: try source.chunks(of: coll, after: after, limit: 50)))
            }
        }
        try run(s.handle(.char("3"), now: snap.asOf) + s.handle(.enter, now: snap.asOf))
        for _ in 0..<120 { try run(s.handle(.down, now: snap.asOf)) }
        XCTAssertGreaterThan(s.chunkMap?.chunks.count ?? 0, 100, "pages were loaded as the selection moved")
        for (w, h) in [(40, 10), (80, 24), (132, 43)] {
            for pane in PaneID.allCases {
                _ = s.handle(.char(Character(String(pane.rawValue))), now: snap.asOf)
                let g = Screen.render(s, width: w, height: h, now: snap.asOf)
                for y in 0..<h {
                    let width = (0..<w).reduce(0) { $0 + (g[$1, y].isContinuation ? 0 : DisplayWidth.of(g[$1, y].text)) }
                    XCTAssertEqual(width, w, "\(pane) \(w)x\(h) row \(y)")
                }
            }
        }
    }
}
