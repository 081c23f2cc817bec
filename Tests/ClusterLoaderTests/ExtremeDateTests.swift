import XCTest
@testable import ClusterLoader
@testable import ClusterModel

/// Dates at the far ends of what Int64 milliseconds hold, as a dump's JSON and its snapshot sidecar carry them:
/// converted without trapping (clamped), never an arithmetic overflow.
final class ExtremeDateTests: XCTestCase {
    func testISODateStringsBeyondInt64MillisDoNotTrap() {
        XCTAssertEqual(ExtendedJSON.parseISODate("2026-11-20T14:03:00.123Z"), 1_795_183_380_123)
        XCTAssertEqual(ExtendedJSON.parseISODate("2026-11-20T14:03:00Z"), 1_795_183_380_000)
        // Years past Int64 milliseconds (292,278,994) and far before: whatever the formatter makes of them (it
        // refuses or wraps them), the conversion must not trap.
        for s in ["999999999-01-01T00:00:00Z", "999999999-01-01T00:00:00.000Z", "-999999999-01-01T00:00:00Z", "292278995-01-01T00:00:00Z"] {
            _ = ExtendedJSON.parseISODate(s)
        }
    }

    func testSidecarCapturedAtTheEndOfTime() throws {
        let end = Date(timeIntervalSince1970: Double(Int64.max) / 1000)
        let json = SnapshotSidecar(capturedAt: end).json
        XCTAssertEqual(json["capturedAt"], ["$date": ["$numberLong": .string(String(Int64.max))]])
        let nan = SnapshotSidecar(capturedAt: Date(timeIntervalSince1970: .nan)).json
        XCTAssertEqual(nan["capturedAt"], ["$date": .string("1970-01-01T00:00:00.000Z")])
    }
}
