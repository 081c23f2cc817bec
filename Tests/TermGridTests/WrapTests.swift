import XCTest
@testable import TermGrid

final class WrapTests: XCTestCase {
    func testBreaksAtSpacesWithinWidth() {
        let lines = DisplayWidth.wrap("the balancer's active window is closed now", width: 16)
        XCTAssertEqual(lines, ["the balancer's", "active window is", "closed now"])
        XCTAssertTrue(lines.allSatisfy { DisplayWidth.of($0) <= 16 })
    }

    func testLongWordIsBrokenInside() {
        XCTAssertEqual(DisplayWidth.wrap("a mongos-d.demo.net:27017 b", width: 10), ["a", "mongos-d.d", "emo.net:27", "017 b"])
    }

    func testWideGlyphsCountTwoColumns() {
        let lines = DisplayWidth.wrap("分片 分片分片 x", width: 6)
        XCTAssertEqual(lines, ["分片", "分片分", "片 x"])
        XCTAssertTrue(lines.allSatisfy { DisplayWidth.of($0) <= 6 })
    }

    func testMaxLinesEndsWithEllipsis() {
        let lines = DisplayWidth.wrap("one two three four five six", width: 9, maxLines: 2)
        XCTAssertEqual(lines, ["one two", "three…"])
        XCTAssertEqual(DisplayWidth.wrap("fits", width: 9, maxLines: 1), ["fits"])
    }

    func testEmptyAndDegenerate() {
        XCTAssertEqual(DisplayWidth.wrap("", width: 5), [""])
        XCTAssertEqual(DisplayWidth.wrap("abc", width: 0), [])
    }
}
