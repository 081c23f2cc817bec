import XCTest
import ClusterModel
@testable import ClusterPanes

/// A donor logs one failed migration twice (`moveChunk.error` and a `moveChunk.from` with the errmsg): count it once.
final class MigrationCountTests: XCTestCase {
    func state(with changelog: [ChangelogEntry]) -> AppState {
        var snap = Fixture.snapshot
        snap.changelog = changelog
        var s = AppState(source: Fixture.source, options: Fixture.options)
        s.apply(.snapshot(snap, receivedAt: Fixture.now))
        return s
    }

    func entry(_ id: String, _ what: String, ago: Double, min: Int64, errmsg: String? = nil) -> ChangelogEntry {
        var details: BSONDocument = ["min": .document(["_id": .int64(min)]), "from": "shard01", "to": "shard02"]
        if let errmsg { details["errmsg"] = .string(errmsg) }
        return ChangelogEntry(id: id, server: "db1a:27018", time: Fixture.ago(ago), what: what, ns: Fixture.orders, details: details)
    }

    func testErrorAndFromOfOneFailureCountOnce() {
        let s = state(with: [entry("e", "moveChunk.error", ago: 60, min: 5, errmsg: "aborted"),
                             entry("f", "moveChunk.from", ago: 59, min: 5, errmsg: "aborted")])
        XCTAssertEqual(BalancerPane.migrations(s).filter(\.failed).map(\.entry.id), ["e"])
    }

    func testFailuresOfOtherChunksOrTimesStaySeparate() {
        let s = state(with: [entry("e", "moveChunk.error", ago: 60, min: 5, errmsg: "aborted"),
                             entry("f1", "moveChunk.from", ago: 59, min: 6, errmsg: "aborted"),       // another chunk
                             entry("f2", "moveChunk.from", ago: 3_600, min: 5, errmsg: "aborted"),    // an hour earlier
                             entry("ok", "moveChunk.commit", ago: 30, min: 7)])
        let migrations = BalancerPane.migrations(s)
        XCTAssertEqual(Set(migrations.filter(\.failed).map(\.entry.id)), ["e", "f1", "f2"])
        XCTAssertEqual(migrations.filter { !$0.failed }.map(\.entry.id), ["ok"])
    }
}
