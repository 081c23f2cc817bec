import XCTest
import TermGrid
@testable import ClusterPanes

final class DetailsFoldTests: XCTestCase {
    func testShortLinesAreKept() {
        XCTAssertEqual(Screen.foldIndented("  \"what\": \"split\",", width: 40), ["  \"what\": \"split\","])
    }

    func testLongLineFoldsAtTheWidthKeepingEveryCharacter() {
        let line = "    \"errmsg\": \"chunk  too big to move: the maximum number of documents for a chunk is 1000\""
        let folded = Screen.foldIndented(line, width: 30)
        XCTAssertTrue(folded.allSatisfy { DisplayWidth.of($0) <= 30 }, "\(folded)")
        XCTAssertTrue(folded.dropFirst().allSatisfy { $0.hasPrefix("      ") && !$0.hasPrefix("       ") }, "\(folded)")
        XCTAssertEqual(folded.first!.count, 30)
        XCTAssertEqual(folded.first! + folded.dropFirst().map { String($0.dropFirst(6)) }.joined(), line)   // nothing lost, double space kept
    }

    func testWideCharactersNeverOverflow() {
        let folded = Screen.foldIndented("  \"ns\": \"" + String(repeating: "日本語", count: 10) + "\"", width: 21)
        XCTAssertTrue(folded.allSatisfy { DisplayWidth.of($0) <= 21 }, "\(folded)")
    }

    func testTooNarrowToFoldIsLeftToClipping() {
        let line = String(repeating: " ", count: 12) + "\"x\": 123456789012345"
        XCTAssertEqual(Screen.foldIndented(line, width: 20), [line])
    }
}
