import XCTest
@testable import ClusterPanes

final class SpanFitTests: XCTestCase {
    /// "█+293 █−55 █−42" as the compare column builds it: glyph, number, " ", glyph, number …
    let groups: [Span] = [Span("█", .shard(0)), Span("+293"), Span(" "), Span("█", .shard(1)), Span("−55"), Span(" "),
                          Span("█", .shard(2)), Span("−42")]

    func testFittingSpansAreUnchanged() {
        XCTAssertEqual(fit(groups, width: 15), groups)
        XCTAssertEqual(fit(groups, width: 40), groups)
    }

    func testCutAfterTheLastWholeGroupWithAnEllipsis() {
        XCTAssertEqual(fit(groups, width: 14).plain, "█+293 █−55 …")
        XCTAssertEqual(fit(groups, width: 11).plain, "█+293 …")
        XCTAssertTrue(fit(groups, width: 11).allSatisfy { $0.text == "…" || groups.contains($0) })   // roles kept
    }

    func testNoWholeGroupFitsLeavesTheEllipsisAlone() {
        XCTAssertEqual(fit(groups, width: 5).plain, "…")
    }
}
