import XCTest
import ClusterModel
@testable import ClusterReports

/// Reports from a hand-made snapshot: every expectation here follows from the models written below.
final class StatusReportTests: XCTestCase {
    let utc = TimeZone(identifier: "UTC")!
    let t0 = Date(timeIntervalSince1970: 1_763_647_200)  // 2025-11-20T14:00:00Z

    func snapshot() -> ClusterSnapshot {
        ClusterSnapshot(
            source: SourceInfo(kind: .live, display: Redact.uri("mongodb://admin:hunter2@mongos-1:27017")),
            asOf: t0, clusterId: "5f1b2c3d4e5f60718293a4b5",
            shards: [Shard(id: "shA", host: "rsA/a1:27018,a2:27018", state: 1, zones: ["EU"]),
                     Shard(id: "shB", host: "b1:27018", state: 1, draining: true)],
            databases: [DatabaseInfo(name: "app", primary: "shA")],
            collections: [
                ShardedCollection(ns: "app.users", key: ShardKey(document: ["region": 1, "uid": "hashed"]), unique: false, keying: .ns("app.users")),
                ShardedCollection(ns: "app.\u{1b}[31mevil", key: ShardKey(document: ["_id": 1]), keying: .ns("app.evil"), noBalance: true),
            ],
            distribution: ["app.users": [ShardChunkCount(shard: "shA", chunks: 1200, jumbo: 2), ShardChunkCount(shard: "shB", chunks: 300)]],
            zoneRanges: [ZoneRange(ns: "app.users", zone: "EU", min: ["region": "EU", "uid": .minKey], max: ["region": "EU", "uid": .maxKey])],
            mongos: [Mongos(host: "mongos-1:27017", ping: t0.addingTimeInterval(-5), version: "7.0.14"),
                     Mongos(host: "mongos-2:27017", ping: t0.addingTimeInterval(-125), version: "7.0.12")],
            balancer: BalancerSettings(activeWindow: .init(start: "23:00", stop: "06:00"), chunkSizeMB: 128, automerge: true),
            balancerStatus: BalancerStatus(mode: "full", inBalancerRound: true),
            changelog: [ChangelogEntry(id: "2", server: "a1:27018", time: t0.addingTimeInterval(-60), what: "moveChunk.error", ns: "app.users",
                                       details: ["errmsg": "migration aborted"]),
                        ChangelogEntry(id: "1", server: "a1:27018", time: t0.addingTimeInterval(-120), what: "split", ns: "app.users")],
            warnings: ["config/tags.bson not found"])
    }

    func testJSONContract() throws {
        let json = StatusJSON.document(snapshot(), timeZone: utc)
        let parsed = try JSONSerialization.jsonObject(with: Data(json.serialized().utf8)) as! [String: Any]
        XCTAssertEqual(parsed["clusterId"] as? String, "5f1b2c3d4e5f60718293a4b5")
        let source = parsed["source"] as! [String: String]
        XCTAssertEqual(source, ["kind": "live", "uri": "mongodb://admin:***@mongos-1:27017"])
        let shards = parsed["shards"] as! [[String: Any]]
        XCTAssertEqual(shards.map { $0["id"] as! String }, ["shA", "shB"])
        XCTAssertEqual(shards[1]["draining"] as? Bool, true)
        XCTAssertEqual(shards[0]["zones"] as? [String], ["EU"])
        let users = (parsed["collections"] as! [[String: Any]])[0]
        XCTAssertEqual(users["ns"] as? String, "app.users")
        XCTAssertEqual(users["chunks"] as? Int, 1500)
        XCTAssertEqual(users["chunksByShard"] as? [String: Int], ["shA": 1200, "shB": 300])
        XCTAssertEqual(users["jumbo"] as? Int, 2)
        XCTAssertEqual(users["key"] as? NSDictionary, ["region": 1, "uid": "hashed"] as NSDictionary)
        let zone = (users["zones"] as! [[String: Any]])[0]
        XCTAssertEqual((zone["min"] as! [String: Any])["uid"] as? [String: Int], ["$minKey": 1])
        let balancer = parsed["balancer"] as! [String: Any]
        XCTAssertEqual(balancer["running"] as? Bool, true)
        XCTAssertEqual(balancer["chunkSizeMB"] as? Int, 128)
        XCTAssertEqual(balancer["activeWindow"] as? [String: String], ["start": "23:00", "stop": "06:00"])
        XCTAssertEqual(balancer["insideWindow"] as? Bool, false)  // 14:00 UTC
        let mongos = parsed["mongos"] as! [[String: Any]]
        XCTAssertEqual(mongos.map { $0["pingAgeSeconds"] as! Int }, [5, 125])
        XCTAssertEqual(mongos.map { $0["stale"] as! Bool }, [false, true])
        let log = parsed["changelog"] as! [[String: Any]]
        XCTAssertEqual(log.map { $0["what"] as! String }, ["moveChunk.error", "split"])
        XCTAssertEqual(log[0]["time"] as? String, "2025-11-20T13:59:00.000Z")
    }

    func testTextShowsEverythingAlignedAndSafe() {
        let text = StatusText.render(snapshot(), timeZone: utc)
        XCTAssertFalse(text.contains("\u{1b}"), "raw escape reached the output")
        XCTAssertTrue(text.contains("app.\\x1b[31mevil"))
        XCTAssertFalse(text.contains("hunter2"))
        XCTAssertTrue(text.contains("STALE"))
        XCTAssertTrue(text.contains("version differs from 7.0.14") || text.contains("version differs from 7.0.12"))
        XCTAssertTrue(text.contains("23:00–06:00 (now outside"))
        XCTAssertTrue(text.contains("ERROR migration aborted"))
        // Chunks per shard are listed in full and the columns line up.
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("      sh") }
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[0].firstRange(of: "1200")?.upperBound.utf16Offset(in: rows[0]),
                       rows[1].firstRange(of: "300")?.upperBound.utf16Offset(in: rows[1]))
        XCTAssertTrue(text.contains("80.0%"))
    }

    func testTableAlignsWideCharacters() {
        var t = TextTable(header: ["NAME", "N"])
        t.rows = [["日本語", "1"], ["abc", "2"]]
        let lines = t.render()
        // "日本語" is 6 columns wide, so "N" values start at the same display column.
        XCTAssertEqual(lines[1], "  日本語  1")
        XCTAssertEqual(lines[2], "  abc     2")
    }
}
