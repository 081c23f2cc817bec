import XCTest
import ClusterModel
@testable import ClusterReports

/// `diff` text and JSON from hand-made snapshots: marks per group, colour only when asked, names from the
/// cluster escaped, a redacted source stays redacted, and the JSON keys the README documents.
final class DiffReportTests: XCTestCase {
    let utc = TimeZone(identifier: "UTC")!
    static let evil = "app.\u{1b}[31mevil"

    func pair() -> (ClusterSnapshot, ClusterSnapshot, ClusterDiff) {
        let a = ClusterSnapshot(
            source: SourceInfo(kind: .live, display: Redact.uri("mongodb://admin:hunter2@mongos-1:27017")),
            asOf: Date(timeIntervalSince1970: 1_763_647_200), clusterId: "c1",
            shards: [Shard(id: "shA", host: "rsA/a1:27018"), Shard(id: "shB", host: "rsB/b1:27018")],
            collections: [ShardedCollection(ns: "app.users", key: ShardKey(document: ["_id": 1]), keying: .ns("app.users")),
                          ShardedCollection(ns: Self.evil, key: ShardKey(document: ["_id": 1]), keying: .ns(Self.evil))],
            distribution: ["app.users": [ShardChunkCount(shard: "shA", chunks: 10), ShardChunkCount(shard: "shB", chunks: 2)]],
            mongos: [Mongos(host: "m1:27017", version: "7.0.14")],
            balancer: BalancerSettings(chunkSizeMB: 128))
        var b = a
        b.source = SourceInfo(kind: .dump, display: "/captures/2026-11")
        b.shards[1].draining = true
        b.shards.append(Shard(id: "shC\u{7}", host: "rsC/c1:27018"))
        b.collections.removeLast()
        b.distribution["app.users"] = [ShardChunkCount(shard: "shA", chunks: 8), ShardChunkCount(shard: "shC\u{7}", chunks: 5)]
        b.balancer.chunkSizeMB = 256
        b.mongos[0].version = "8.0.3"
        var d = ClusterDiff(a, b)
        let ca = [Chunk(id: .int32(1), min: ["_id": .minKey], max: ["_id": .int32(5)], shard: "shA"),
                  Chunk(id: .int32(2), min: ["_id": .int32(5)], max: ["_id": .maxKey], shard: "shA")]
        var cb = ca
        cb[1].shard = "shC\u{7}"
        d.chunkChanges["app.users"] = ChunkWalk.compare(ca, cb)
        return (a, b, d)
    }

    func testTextGroupsMarksAndEscapes() {
        let (a, b, d) = pair()
        let text = DiffText.render(d, a: a, b: b, color: false, timeZone: utc)
        XCTAssertFalse(text.contains("\u{1b}"), "no colour and no raw escape from a cluster name")
        XCTAssertFalse(text.contains("\u{7}"))
        XCTAssertFalse(text.contains("hunter2"))
        XCTAssertTrue(text.contains("A: mongodb://admin:***@mongos-1:27017"), text)
        XCTAssertTrue(text.contains("  + shC\\x07  rsC/c1:27018"), text)
        XCTAssertTrue(text.contains("  ~ shB  draining false → true"), text)
        XCTAssertTrue(text.contains("  − app.\\x1b[31mevil  dropped"), text)
        XCTAssertTrue(text.contains("  ~ app.users  12 → 13 (+1) chunks"), text)
        XCTAssertTrue(text.contains("  ~ chunkSizeMB  128 → 256"), text)
        XCTAssertTrue(text.contains("  ~ m1:27017  7.0.14 → 8.0.3 (upgraded)"), text)
        XCTAssertTrue(text.contains("moved     {\"_id\":5} – {\"_id\":{\"$maxKey\":1}}  shA → shC\\x07"), text)
        for section in ["SHARDS", "COLLECTIONS", "CHUNKS PER SHARD (A → B)", "CHUNK RANGES (moved, split, merged)", "SETTINGS", "MONGOS"] {
            XCTAssertTrue(text.split(separator: "\n").contains { $0 == section }, section)
        }
        XCTAssertFalse(text.contains("ZONES"), "an empty group is not printed")
        XCTAssertTrue(text.hasSuffix("differences: 2 shard change(s), 1 collection change(s), 1 collection(s) with other chunk counts, "
                                     + "1 collection(s) with moved/split/merged ranges, 1 setting change(s), 1 mongos change(s)\n"), text)
    }

    func testColourOnlyWhenAsked() {
        let (a, b, d) = pair()
        let coloured = DiffText.render(d, a: a, b: b, color: true, timeZone: utc)
        XCTAssertTrue(coloured.contains("\u{1b}[32m  + shC\\x07"), coloured)
        XCTAssertTrue(coloured.contains("\u{1b}[31m  − app.\\x1b[31mevil"), coloured)
        XCTAssertTrue(coloured.contains("\u{1b}[33m  ~ shB"), coloured)
    }

    func testEqualSaysNoDifferences() {
        let (a, _, _) = pair()
        let text = DiffText.render(ClusterDiff(a, a), a: a, b: a, color: false, timeZone: utc)
        XCTAssertTrue(text.hasSuffix("\nno differences\n"))
        let json = DiffJSON.document(ClusterDiff(a, a), a: a, b: a, limit: 10)
        XCTAssertEqual(json["equal"], .bool(true))
        XCTAssertEqual(json["distribution"], .array([]))
    }

    func testJSONShape() {
        let (a, b, d) = pair()
        let j = DiffJSON.document(d, a: a, b: b, limit: 3)
        XCTAssertEqual(j["equal"], .bool(false))
        XCTAssertEqual(j["a"]?["uri"], .string("mongodb://admin:***@mongos-1:27017"))
        XCTAssertEqual(j["b"]?["path"], .string("/captures/2026-11"))
        XCTAssertEqual(j["shards"]?["added"], .array([.object([("id", "shC\u{7}"), ("host", "rsC/c1:27018"), ("draining", false), ("zones", [])])]))
        XCTAssertEqual(j["collections"]?["dropped"], .array([.object([("ns", .string(Self.evil)), ("key", .object([("_id", 1)])), ("unique", false)])]))
        guard case .array(let dist)? = j["distribution"], let users = dist.first else { return XCTFail("distribution") }
        XCTAssertEqual(users["chunks"], .object([("before", 12), ("after", 13), ("delta", 1)]))
        guard case .array(let rows)? = users["shards"] else { return XCTFail("shards") }
        XCTAssertEqual(rows.map { $0["shard"] }, [.string("shA"), .string("shB"), .string("shC\u{7}")])
        XCTAssertEqual(rows.map { $0["chunks"]?["delta"] }, [.int(-2), .int(-2), .int(5)])
        guard case .array(let walked)? = j["chunkChanges"], let w = walked.first else { return XCTFail("chunkChanges") }
        XCTAssertEqual(w["moved"], .int(1))
        XCTAssertEqual(w["unchanged"], .int(1))
        XCTAssertEqual(w["examples"]?["moved"], .array([.object([("min", .object([("_id", 5)])), ("max", .object([("_id", .object([("$maxKey", 1)]))])),
                                                              ("from", ["shA"]), ("to", [.string("shC\u{7}")]), ("chunksBefore", 1), ("chunksAfter", 1)])]))
        XCTAssertEqual(j["settings"], .array([.object([("field", "chunkSizeMB"), ("before", 128), ("after", 256)])]))
        XCTAssertEqual(j["mongos"]?["upgraded"], .array([.object([("host", "m1:27017"), ("before", "7.0.14"), ("after", "8.0.3"), ("direction", "up")])]))
        XCTAssertEqual(j["examplesLimit"], .int(3))
        // Serialised, control characters are JSON escapes, never raw.
        XCTAssertFalse(j.serialized().contains("\u{1b}"))
    }
}
