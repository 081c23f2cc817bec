import XCTest
import ClusterModel
@testable import ClusterLoader

/// The tally (dump, demo) and the live `$group` rows name a chunk's collection by one rule.
final class ChunkTallyTests: XCTestCase {
    func testOwnerIsUUIDWhenPresentElseNamespace() {
        var tally = ChunkTally()
        tally.add(["uuid": .binary(subtype: 4, data: Array(0..<16)), "ns": "a.b", "shard": "s0", "jumbo": true])
        tally.add(["uuid": .null, "ns": "a.b", "shard": "s0"])      // a null uuid is no uuid
        tally.add(["ns": "a.b", "shard": "s1"])
        tally.add(["shard": "s1"])                                   // names no collection: skipped
        tally.add(["ns": "a.b"])                                     // no shard: skipped
        let groups = Set(tally.groups)
        XCTAssertEqual(groups, [
            ChunkGroup(owner: .uuid(.binary(subtype: 4, data: Array(0..<16))), shard: "s0", chunks: 1, jumbo: 1),
            ChunkGroup(owner: .ns("a.b"), shard: "s0", chunks: 1, jumbo: 0),
            ChunkGroup(owner: .ns("a.b"), shard: "s1", chunks: 1, jumbo: 0),
        ])
        XCTAssertEqual(tally.scanned, 5)
        XCTAssertEqual(tally.skipped, 2)
    }
}
