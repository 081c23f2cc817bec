import XCTest
import ClusterModel
@testable import ClusterLoader

final class DumpSourceTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("shardscope-dump-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("config"), withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    var configDir: URL { root.appendingPathComponent("config") }

    @discardableResult
    func write(_ name: String, _ docs: [BSONDocument]) throws -> String { try Fx.write(name, docs, in: configDir) }
    func writeMixed(gzip: Bool = false) throws -> (raw: RawConfig, chunks: [BSONDocument]) { try Fx.writeMixedDump(in: configDir, gzip: gzip) }
    func gzipFile(_ path: String) throws { try Fx.gzip(path) }
    func loadError(_ path: String) -> LoaderError? {
        do { _ = try DumpSource(path: path).snapshot(progress: nil); return nil }
        catch let e as LoaderError { return e }
        catch { XCTFail("unexpected \(error)"); return nil }
    }

    func testPlainDumpMatchesBuilderOnSameDocuments() throws {
        let fx = try writeMixed()
        var seen: [String] = []
        var lastScanned = 0
        let snap = try DumpSource(path: root.path).snapshot { p in   // the parent of config/ is accepted
            switch p {
            case .reading(let c): seen.append(c)
            case .chunks(let n, _, let total): lastScanned = n; XCTAssertNotNil(total)
            }
        }
        var expected = fx.raw
        var tally = ChunkTally()
        fx.chunks.forEach { tally.add($0) }
        expected.chunkGroups = tally.groups
        let direct = SnapshotBuilder.build(expected, source: snap.source, asOf: nil, options: LoadOptions())
        XCTAssertEqual(snap, direct)
        XCTAssertEqual(snap.warnings, [])
        XCTAssertEqual(snap.source.kind, .dump)
        XCTAssertEqual(snap.source.display, configDir.standardizedFileURL.path)
        XCTAssertEqual(lastScanned, fx.chunks.count)
        XCTAssertTrue(seen.contains("chunks") && seen.contains("shards"))
        XCTAssertEqual(snap.totalChunks, 7)
    }

    func testGzipDumpLoadsTheSame() throws {
        _ = try writeMixed()
        let plain = try DumpSource(path: configDir.path).snapshot(progress: nil)
        try FileManager.default.removeItem(at: root.appendingPathComponent("config"))
        try FileManager.default.createDirectory(at: configDir, withIntermediateDirectories: true)
        _ = try writeMixed(gzip: true)
        XCTAssertTrue(FileManager.default.fileExists(atPath: configDir.appendingPathComponent("chunks.bson.gz").path))
        let gz = try DumpSource(path: configDir.path).snapshot(progress: nil)
        XCTAssertEqual(gz, plain)
    }

    func testChangelogLimitAndNewerThan() throws {
        _ = try writeMixed()
        let src = try DumpSource(path: configDir.path, options: LoadOptions(changelogLimit: 2))
        let snap = try src.snapshot(progress: nil)
        XCTAssertEqual(snap.changelog.map(\.id), ["r1-4", "r1-3"])
        let newer = try src.changelog(newerThan: Date(timeIntervalSince1970: TimeInterval(Fx.t0 + 35)), limit: 10)
        XCTAssertEqual(newer.map(\.id), ["r1-4"])
    }

    func testChunkPagesAndContaining() throws {
        var fx = try writeMixed()
        // shuffle the file order so sorting by min is exercised
        fx.chunks.reverse()
        try write("chunks", fx.chunks)
        let src = try DumpSource(path: configDir.path)
        let snap = try src.snapshot(progress: nil)
        let orders = try XCTUnwrap(snap.collection("app.orders"))
        let all = try src.chunks(of: orders, after: nil, limit: 100)
        XCTAssertEqual(all.map(\.shard), ["shB", "shA", "shA", "config"])
        let page = try src.chunks(of: orders, after: all[1].min, limit: 1)
        XCTAssertEqual(page, [all[2]])
        XCTAssertEqual(try src.chunks(of: orders, after: all[3].min, limit: 5), [])
        XCTAssertEqual(try src.chunk(of: orders, containing: ["x": .int32(25)]), all[2])
        XCTAssertEqual(try src.chunk(of: orders, containing: ["x": .int32(10)]), all[1])
        XCTAssertEqual(try src.chunk(of: orders, containing: ["x": .minKey]), all[0])

        let events = try XCTUnwrap(snap.collection("logs.events"))   // ns-keyed
        let ev = try src.chunks(of: events, after: nil, limit: 10)
        XCTAssertEqual(ev.map(\.shard), ["shB", "shA"])
        XCTAssertEqual(ev[1].id, .string("logs.events-x_int64(0)"))
    }

    func testTruncatedFileNamesFileAndOffset() throws {
        let fx = try writeMixed()
        let docs = fx.chunks.prefix(3).map(BSONEncoder.encode)
        let cut = docs[0] + docs[1] + docs[2].prefix(docs[2].count / 2)
        let path = configDir.appendingPathComponent("chunks.bson").path
        try Data(cut).write(to: URL(fileURLWithPath: path))
        let e = loadError(configDir.path)
        XCTAssertEqual(e, .corruptFile(path: path, offset: Int64(docs[0].count + docs[1].count),
                                      reason: "file ends inside a document (\(docs[2].count / 2) of its bytes present)", compressed: false))
        let text = e?.description ?? ""
        XCTAssertTrue(text.contains(path) && text.contains("byte \(docs[0].count + docs[1].count)"), text)
        XCTAssertEqual(e?.exitCode, 2)

        // the same bytes gzipped: the offset counts the uncompressed stream
        try gzipFile(path)
        guard case let .corruptFile(gzPath, offset, _, compressed)? = loadError(configDir.path) else { return XCTFail("no error") }
        XCTAssertEqual(gzPath, path + ".gz")
        XCTAssertEqual(offset, Int64(docs[0].count + docs[1].count))
        XCTAssertTrue(compressed)
        XCTAssertTrue(loadError(configDir.path)!.description.contains("of the uncompressed stream"))
    }

    func testCutGzipStream() throws {
        let fx = try writeMixed()
        let path = try write("changelog", fx.raw.changelog + fx.raw.changelog)
        try gzipFile(path)
        let gz = try Data(contentsOf: URL(fileURLWithPath: path + ".gz"))
        try gz.prefix(gz.count - 12).write(to: URL(fileURLWithPath: path + ".gz"))   // drop the gzip trailer and some data
        guard case let .corruptFile(p, _, _, compressed)? = loadError(configDir.path) else { return XCTFail("no error") }
        XCTAssertEqual(p, path + ".gz")
        XCTAssertTrue(compressed)
    }

    func testCorruptDocumentInsideFile() throws {
        let fx = try writeMixed()
        let a = BSONEncoder.encode(fx.raw.shards[0])
        var b = BSONEncoder.encode(fx.raw.shards[1])
        b[4] = 0x42   // the first element's type byte
        let path = configDir.appendingPathComponent("shards.bson").path
        try Data(a + b).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(loadError(configDir.path), .corruptFile(path: path, offset: Int64(a.count + 4), reason: "unknown BSON type 0x42", compressed: false))
    }

    func testGarbageFile() throws {
        _ = try writeMixed()
        let path = configDir.appendingPathComponent("mongos.bson").path
        try Data("this is not BSON at all, just text\n".utf8).write(to: URL(fileURLWithPath: path))
        guard case let .corruptFile(p, offset, _, _)? = loadError(configDir.path) else { return XCTFail("no error") }
        XCTAssertEqual(p, path)
        XCTAssertEqual(offset, 0)
    }

    func testMissingFileIsAWarning() throws {
        _ = try writeMixed()
        try FileManager.default.removeItem(at: configDir.appendingPathComponent("tags.bson"))
        try FileManager.default.removeItem(at: configDir.appendingPathComponent("settings.bson"))
        let snap = try DumpSource(path: configDir.path).snapshot(progress: nil)
        XCTAssertEqual(snap.warnings, ["config/tags.bson not found: no zone ranges loaded",
                                       "config/settings.bson not found: balancer settings are the defaults"])
        XCTAssertTrue(snap.zoneRanges.isEmpty)
        XCTAssertEqual(snap.balancer, BalancerSettings())
        XCTAssertEqual(snap.shards.count, 3)
    }

    func testNotADumpDirectory() throws {
        try Data("x".utf8).write(to: configDir.appendingPathComponent("readme.txt"))
        XCTAssertThrowsError(try DumpSource(path: root.path)) { e in
            guard case LoaderError.notADump(let path, _) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(path, root.path)
            XCTAssertTrue("\(e)".contains("shards.bson"), "\(e)")
            XCTAssertTrue("\(e)".contains("mongodump --db config"), "\(e)")
        }
        XCTAssertThrowsError(try DumpSource(path: root.appendingPathComponent("nope").path)) { e in
            guard case LoaderError.io = e else { return XCTFail("\(e)") }
        }
    }
}
