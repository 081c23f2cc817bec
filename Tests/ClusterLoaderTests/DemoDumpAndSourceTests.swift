import XCTest
import CZlib
import ClusterModel
@testable import ClusterLoader

final class DemoDumpAndSourceTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("demo-dump-\(UUID().uuidString)")
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Splits concatenated BSON documents and decodes each with BSONDecoder.
    func decodeAll(_ bytes: [UInt8]) throws -> [BSONDocument] {
        var out: [BSONDocument] = [], pos = 0
        while pos < bytes.count {
            let len = Int(bytes[pos]) | Int(bytes[pos + 1]) << 8 | Int(bytes[pos + 2]) << 16 | Int(bytes[pos + 3]) << 24
            out.append(try BSONDecoder.decode(Array(bytes[pos..<pos + len])))
            pos += len
        }
        return out
    }

    func gunzip(_ path: String) throws -> [UInt8] {
        let gz = try XCTUnwrap(gzopen(path, "rb"))
        defer { gzclose(gz) }
        var out: [UInt8] = [], buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buf.withUnsafeMutableBytes { gzread(gz, $0.baseAddress, UInt32($0.count)) }
            XCTAssertGreaterThanOrEqual(n, 0)
            if n <= 0 { break }
            out += buf[0..<Int(n)]
        }
        return out
    }

    func testDumpRoundTripPlainAndGzip() throws {
        var demo = DemoCluster(seed: 4, shape: .v5_0, totalChunks: 500)
        demo.advance(by: 30)
        let expected = demo.documents()
        for gzip in [false, true] {
            let out = dir.appendingPathComponent(gzip ? "gz" : "plain")
            let counts = try DumpWriter(directory: out, gzip: gzip, uuidSeed: 4).write(demo)
            XCTAssertEqual(counts["chunks"], demo.totalChunks)
            for name in DemoCluster.collectionNames {
                let base = out.appendingPathComponent("config/\(name)").path
                let bytes = gzip ? try gunzip(base + ".bson.gz") : Array(try Data(contentsOf: URL(fileURLWithPath: base + ".bson")))
                XCTAssertEqual(try decodeAll(bytes), expected[name] ?? [], "\(name) gzip=\(gzip)")
                let meta = gzip ? Data(try gunzip(base + ".metadata.json.gz")) : try Data(contentsOf: URL(fileURLWithPath: base + ".metadata.json"))
                let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: meta) as? [String: Any])
                XCTAssertEqual(json["collectionName"] as? String, name)
                XCTAssertEqual(json["type"] as? String, "collection")
                XCTAssertEqual((json["uuid"] as? String)?.count, 32)
                XCTAssertEqual(((json["indexes"] as? [[String: Any]])?.first)?["name"] as? String, "_id_")
            }
        }
    }

    func testSourceSnapshotFrozen() throws {
        let source = DemoSource(seed: 1)
        XCTAssertEqual(source.info, SourceInfo(kind: .demo, display: "demo (seed 1)"))
        let snap = try source.snapshot(progress: nil)
        XCTAssertEqual(snap.asOf, DemoCluster.epoch)
        XCTAssertEqual(snap.shards.map(\.id), ["shard0", "shard1", "shard2", "shard3", "shard4"])
        XCTAssertEqual(snap.collections.map(\.ns), ["accounts.ledger", "analytics.sessions", "iot.events", "shop.orders", "shop.users"])
        XCTAssertEqual(snap.mongos.filter(snap.isStale).map(\.host), ["mongos-d.demo.net:27017"])
        XCTAssertEqual(snap.totalChunks, DemoCluster.naturalChunks)
        XCTAssertEqual(snap.shard("shard4")?.draining, true)
        XCTAssertEqual(snap.balancer.activeWindow, BalancerSettings.Window(start: "22:00", stop: "06:00"))
        XCTAssertEqual(snap.insideBalancerWindow(timeZone: TimeZone(identifier: "UTC")!), true, "the demo starts inside its window")
        XCTAssertEqual(snap.migrations.count, 1)
        let failed = snap.balancerRounds.prefix(20).filter(\.errorOccurred)
        XCTAssertFalse(failed.isEmpty, "an error round among the newest 20")
        XCTAssert(failed.allSatisfy { r in snap.changelog.contains { $0.what == "moveChunk.error" && $0.details["errmsg"]?.stringValue == r.errmsg } })
        XCTAssert(snap.warnings.isEmpty, "\(snap.warnings)")
        XCTAssertEqual(try source.snapshot(progress: nil), snap, "not evolving: frozen")

        let v80 = try DemoSource(seed: 1, shape: .v8_0).snapshot(progress: nil)
        XCTAssertTrue(v80.shards.contains { $0.isConfigShard })
        XCTAssertFalse(v80.collections.contains { $0.ns == "logs.audit" }, "unsplittable is not a sharded collection")
        let v44 = try DemoSource(seed: 1, shape: .v4_4).snapshot(progress: nil)
        XCTAssertFalse(v44.collections.contains { $0.ns == "shop.carts_old" }, "dropped")
        XCTAssertEqual(v44.totalChunks, DemoCluster.naturalChunks)
        XCTAssert(v44.warnings.isEmpty, "\(v44.warnings)")
    }

    func testSourceEvolvesWithTheClock() throws {
        var wall = Date(timeIntervalSince1970: 0)
        let source = DemoSource(seed: 1, evolving: true, clock: { wall })
        let first = try source.snapshot(progress: nil)
        wall += 45
        let second = try source.snapshot(progress: nil)
        XCTAssertEqual(second.asOf, first.asOf.addingTimeInterval(45))
        XCTAssertGreaterThan(second.changelog.first!.time, first.changelog.first!.time)
        XCTAssertNotEqual(second.distribution, first.distribution)
        wall += 5
        let tail = try source.changelog(newerThan: second.changelog.first!.time, limit: 500)
        XCTAssertFalse(tail.isEmpty)
        XCTAssert(tail.allSatisfy { $0.time > second.changelog.first!.time })
        XCTAssertEqual(tail.map(\.time), tail.map(\.time).sorted(by: >), "newest first")
    }

    func testSourceChunkPagesAndLookup() throws {
        let source = DemoSource(seed: 1)
        let snap = try source.snapshot(progress: nil)
        let users = try XCTUnwrap(snap.collection("shop.users"))
        var all: [Chunk] = [], after: BSONDocument?
        while true {
            let page = try source.chunks(of: users, after: after, limit: 100)
            if page.isEmpty { break }
            all += page
            after = page.last!.min
        }
        XCTAssertEqual(all.count, snap.totalChunks(for: "shop.users"))
        for (a, b) in zip(all, all.dropFirst()) { XCTAssertEqual(BSONDocument.compareKeys(a.max, b.min), 0) }
        let key: BSONDocument = ["region": .string("eu"), "userId": .int64(123_456)]
        let hit = try XCTUnwrap(try source.chunk(of: users, containing: key))
        XCTAssertTrue(hit.contains(key))
        XCTAssertTrue(["shard0", "shard1"].contains(hit.shard), "EU zone chunks live on EU shards")
    }
}

/// A million-chunk dump streams in bounded memory. Slow in debug builds: runs only with SHARDSCOPE_BIG_DEMO=1.
final class DemoBigDumpTests: XCTestCase {
    func testMillionChunkDumpStreams() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["SHARDSCOPE_BIG_DEMO"] == "1", "set SHARDSCOPE_BIG_DEMO=1")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("demo-big-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let demo = DemoCluster(seed: 1, totalChunks: 1_000_000)
        let counts = try DumpWriter(directory: dir).write(demo)
        XCTAssertEqual(counts["chunks"], 1_000_000)
        let size = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("config/chunks.bson").path)[.size] as! Int
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("chunks.bson: \(size) bytes; max RSS \(usage.ru_maxrss / 1024) MB")
        XCTAssertLessThan(usage.ru_maxrss / 1024, 400, "max RSS in MB")
    }
}
