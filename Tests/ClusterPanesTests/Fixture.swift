import Foundation
import XCTest
import ClusterModel
import TermGrid
@testable import ClusterPanes

/// A fixed, hand-made cluster: three shards (one draining), zones, five collections (one with a CJK name,
/// one with an emoji, one with an escape sequence), a stale mongos, a version skew, failed migrations.
enum Fixture {
    static let now = Date(timeIntervalSince1970: 1_795_183_380)   // 2026-11-20 14:03:00 UTC
    static let utc = TimeZone(identifier: "UTC")!
    static let source = SourceInfo(kind: .live, display: "mongodb://admin:***@cfg1.example.net:27017")
    static let options = UIOptions(glyphs: .unicode, refreshSeconds: 2, timeZone: utc)

    static func ago(_ s: Double) -> Date { now.addingTimeInterval(-s) }
    static func key(_ pairs: (String, BSONValue)...) -> BSONDocument { BSONDocument(pairs) }

    static let users = "app.users", orders = "app.orders", cjk = "app.日本語コレクション名前テスト", emoji = "app.🚀🚀rockets_and_more", evil = "app.\u{1b}[31mevil"

    static let snapshot: ClusterSnapshot = {
        let shards = [
            Shard(id: "shard01", host: "rs01/db1a.example.net:27018,db1b.example.net:27018", state: 1, zones: ["EU"]),
            Shard(id: "shard02", host: "rs02/db2a.example.net:27018,db2b.example.net:27018", state: 1, zones: ["US"]),
            Shard(id: "shard03", host: "rs03/db3a.example.net:27018", state: 1, draining: true),
        ]
        let userKey = ShardKey(document: ["region": .int32(1), "id": .int32(1)])
        let colls = [
            ShardedCollection(ns: orders, key: ShardKey(document: ["_id": .string("hashed")]), keying: .uuid(.string("u1"))),
            ShardedCollection(ns: emoji, key: ShardKey(document: ["x": .int32(1)]), keying: .uuid(.string("u3"))),
            ShardedCollection(ns: cjk, key: ShardKey(document: ["x": .int32(1)]), keying: .uuid(.string("u4"))),
            ShardedCollection(ns: evil, key: ShardKey(document: ["x": .int32(1)]), keying: .uuid(.string("u5")), noBalance: true),
            ShardedCollection(ns: users, key: userKey, keying: .uuid(.string("u2"))),
        ]
        let dist: [String: [ShardChunkCount]] = [
            orders: [ShardChunkCount(shard: "shard01", chunks: 40), ShardChunkCount(shard: "shard02", chunks: 38), ShardChunkCount(shard: "shard03", chunks: 2)],
            users: [ShardChunkCount(shard: "shard01", chunks: 12, jumbo: 2), ShardChunkCount(shard: "shard02", chunks: 8)],
            cjk: [ShardChunkCount(shard: "shard02", chunks: 3)],
            emoji: [ShardChunkCount(shard: "shard01", chunks: 1), ShardChunkCount(shard: "shard03", chunks: 1)],
            evil: [ShardChunkCount(shard: "shard01", chunks: 1)],
        ]
        let zones = [
            ZoneRange(ns: users, zone: "EU", min: key(("region", .string("EU")), ("id", .minKey)), max: key(("region", .string("EU")), ("id", .maxKey))),
            ZoneRange(ns: users, zone: "US", min: key(("region", .string("US")), ("id", .minKey)), max: key(("region", .string("US")), ("id", .maxKey))),
        ]
        let mongos = [
            Mongos(host: "router1.example.net:27017", ping: ago(5), upSeconds: 900_000, version: "7.0.14"),
            Mongos(host: "router2.example.net:27017", ping: ago(8), upSeconds: 86_400, version: "7.0.14"),
            Mongos(host: "router3.example.net:27017", ping: ago(600), upSeconds: 4_000, version: "6.0.19"),
        ]
        let changelog = [
            ChangelogEntry(id: "c6", server: "db1a.example.net:27018", time: ago(30), what: "moveChunk.error", ns: users,
                           details: ["from": .string("shard01"), "to": .string("shard02"), "errmsg": .string("chunk too big to move")]),
            ChangelogEntry(id: "c5", server: "db1a.example.net:27018", time: ago(90), what: "moveChunk.commit", ns: orders,
                           details: ["min": .document(key(("_id", .int64(-100)))), "max": .document(key(("_id", .int64(0)))),
                                     "from": .string("shard01"), "to": .string("shard03"), "counts": .document(["cloned": .int64(1200)])]),
            ChangelogEntry(id: "c4", server: "db2a.example.net:27018", time: ago(300), what: "split", ns: users,
                           details: ["number": .int32(1), "of": .int32(2)]),
            ChangelogEntry(id: "c3", server: "db1a.example.net:27018", time: ago(3_600), what: "moveChunk.from", ns: orders,
                           details: ["from": .string("shard01"), "to": .string("shard02"), "note": .string("success")]),
            ChangelogEntry(id: "c2", server: "router1.example.net:27017", time: ago(7_200), what: "shardCollection.end", ns: cjk, details: ["version": .string("1|0")]),
            ChangelogEntry(id: "c1", server: "db1a.example.net:27018", time: ago(200_000), what: "moveChunk.commit", ns: orders, details: [:]),
        ]
        let rounds = [
            BalancerRound(time: ago(20), server: "cfg1", errorOccurred: true, errmsg: "could not acquire collection lock"),
            BalancerRound(time: ago(80), server: "cfg1", candidateChunks: 3, chunksMoved: 1, executionTimeMillis: 412),
        ]
        return ClusterSnapshot(
            source: source, asOf: now, clusterId: "6553f0c2a1b2c3d4e5f60718", shards: shards,
            databases: [DatabaseInfo(name: "app", primary: "shard01")], collections: colls, distribution: dist,
            zoneRanges: zones, mongos: mongos,
            balancer: BalancerSettings(activeWindow: .init(start: "22:00", stop: "06:00"), waitForDelete: false, chunkSizeMB: 64, automerge: true),
            changelog: changelog, balancerRounds: rounds,
            dataDistribution: [orders: [ShardDataSize(shard: "shard01", ownedSizeBytes: 3_200_000_000), ShardDataSize(shard: "shard02", ownedSizeBytes: 2_900_000_000)]])
    }()

    /// The users collection's chunks, two pages' worth, in key order.
    static let userChunks: [Chunk] = {
        var bounds: [BSONDocument] = [key(("region", .minKey), ("id", .minKey))]
        for r in ["EU", "US"] { for i in stride(from: 0, to: 1000, by: 100) { bounds.append(key(("region", .string(r)), ("id", .int32(Int32(i))))) } }
        bounds.append(key(("region", .maxKey), ("id", .maxKey)))
        return (0..<bounds.count - 1).map { i in
            let region = bounds[i]["region"]?.stringValue
            return Chunk(id: .string("k\(i)"), min: bounds[i], max: bounds[i + 1], shard: region == "US" ? "shard02" : "shard01",
                         lastmod: BSONTimestamp(t: 3, i: UInt32(i)), jumbo: i == 4, estimatedDataSizeBytes: 64 << 20)
        }
    }()

    /// A state with the snapshot received 1.2 s before `now`.
    static func state(options: UIOptions = options) -> AppState {
        var s = AppState(source: source, options: options)
        s.apply(.snapshot(snapshot, receivedAt: now.addingTimeInterval(-1.2)))
        return s
    }

    /// Collections pane with app.users selected.
    static func selectUsers(_ state: inout AppState) {
        _ = state.handle(.char("3"), now: now)
        let i = CollectionsPane.visibleCollections(state).firstIndex { $0.ns == users }!
        state.positions[.collections] = ListPosition(selected: i)
    }

    @discardableResult
    static func press(_ state: inout AppState, _ keys: Key...) -> [Effect] {
        keys.flatMap { state.handle($0, now: now) }
    }
    static func type(_ state: inout AppState, _ text: String) { for c in text { _ = state.handle(.char(c), now: now) } }
}

/// Golden screens as text files; re-recorded only when SHARDSCOPE_RECORD=1.
func assertGolden(_ grid: Grid, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
    let dir = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("__Snapshots__")
    let url = dir.appendingPathComponent("\(name)-\(grid.width)x\(grid.height).txt")
    let actual = grid.text + "\n"
    if ProcessInfo.processInfo.environment["SHARDSCOPE_RECORD"] == "1" {
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try? actual.write(to: url, atomically: true, encoding: .utf8)
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        XCTFail("missing golden \(url.lastPathComponent); record with SHARDSCOPE_RECORD=1\n\(actual)", file: file, line: line)
        return
    }
    guard expected != actual else { return }
    let e = expected.components(separatedBy: "\n"), a = actual.components(separatedBy: "\n")
    var diff: [String] = []
    for i in 0..<max(e.count, a.count) where (i < e.count ? e[i] : nil) != (i < a.count ? a[i] : nil) {
        diff.append("line \(i + 1) expected: |\(i < e.count ? e[i] : "<none>")|")
        diff.append("line \(i + 1) actual:   |\(i < a.count ? a[i] : "<none>")|")
    }
    XCTFail("\(url.lastPathComponent) differs (SHARDSCOPE_RECORD=1 re-records):\n" + diff.joined(separator: "\n"), file: file, line: line)
}

/// The row of the grid holding `text`, and the column where it starts.
func find(_ text: String, in grid: Grid) -> (x: Int, y: Int)? {
    for y in 0..<grid.height {
        let cells = (0..<grid.width).map { grid[$0, y].text }
        let line = cells.joined()
        guard let r = line.range(of: text) else { continue }
        // Column = number of cells whose text precedes the match.
        let prefix = line[..<r.lowerBound]
        var col = 0, used = 0
        while col < cells.count, used < prefix.count { used += cells[col].count; col += 1 }
        return (col, y)
    }
    return nil
}
