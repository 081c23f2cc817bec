import XCTest
import ClusterModel
@testable import ClusterLoader

/// The dump's raw chunk scan (`ChunkTally.add(raw:)`, `BSONFileReader.forEachRaw`) counts exactly as the
/// decoded path does, rejects exactly what the decoder rejects (same reason, same offset), and pages chunks
/// from file offsets.
final class RawChunkScanTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("shardscope-raw-\(UUID().uuidString)/config")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }

    /// Both paths over the same documents: equal groups, scanned and skipped.
    func assertSameTally(_ docs: [BSONDocument], file: StaticString = #filePath, line: UInt = #line) throws {
        var decoded = ChunkTally(), raw = ChunkTally()
        for d in docs {
            decoded.add(d)
            try BSONEncoder.encode(d).withUnsafeBytes { _ = try raw.add(raw: $0) }
        }
        XCTAssertEqual(Set(raw.groups), Set(decoded.groups), file: file, line: line)
        XCTAssertEqual(raw.groups.count, decoded.groups.count, "one group per (collection, shard)", file: file, line: line)
        XCTAssertEqual(raw.scanned, decoded.scanned, file: file, line: line)
        XCTAssertEqual(raw.skipped, decoded.skipped, file: file, line: line)
    }

    func testRawMatchesDecodedOnTheTallyRules() throws {
        let u = BSONValue.binary(subtype: 4, data: Array(0..<16))
        try assertSameTally([
            ["uuid": u, "ns": "a.b", "shard": "s0", "jumbo": true],
            ["uuid": .null, "ns": "a.b", "shard": "s0"],        // a null uuid is no uuid
            ["ns": "a.b", "shard": "s1"],
            ["shard": "s1"],                                    // names no collection: skipped
            ["ns": "a.b"],                                      // no shard: skipped
        ])
        var raw = ChunkTally()
        let owner = try BSONEncoder.encode(["uuid": u, "shard": "s0"]).withUnsafeBytes { try raw.add(raw: $0) }
        XCTAssertEqual(owner.map(raw.owner), .uuid(u))
        XCTAssertNil(try BSONEncoder.encode(["shard": "s0"]).withUnsafeBytes { try raw.add(raw: $0) })
    }

    func testOddFieldTypesCountAsTheDecodedPathDoes() throws {
        try assertSameTally([
            ["ns": .int32(5), "shard": "s0"],                          // ns not a string: skipped
            ["ns": "a.b", "shard": .int32(1)],                         // shard not a string: skipped
            ["ns": "a.b", "shard": .symbol("s0")],                     // a symbol is not a string
            ["uuid": .string("not-binary"), "shard": "s0"],            // any non-null uuid names the collection
            ["uuid": .undefined, "ns": "a.b", "shard": "s0"],          // undefined is not null
            ["uuid": .int64(7), "shard": "s0"], ["uuid": .int32(7), "shard": "s0"],   // distinct owners
            ["ns": "a.b", "shard": "s0", "jumbo": .int32(1)],
            ["ns": "a.b", "shard": "s0", "jumbo": .int64(0)],
            ["ns": "a.b", "shard": "s0", "jumbo": .double(0.5)],
            ["ns": "a.b", "shard": "s0", "jumbo": .double(.nan)],
            ["ns": "a.b", "shard": "s0", "jumbo": .null],
            ["ns": "a.b", "shard": "s0", "jumbo": "yes"],
            ["ns": "a.b", "shard": "s0", "jumbo": .bool(false)],
            ["ns": "", "shard": ""],                                   // empty names are names
            ["ns": "é.ü", "shard": "shärd"],                           // non-ASCII
            ["ns": "a.b", "shard": "s0", "min": ["x": .minKey], "history": [["shard": "s9"]]],  // nested 'shard' is not the chunk's
        ])
        // Repeated names: the first element counts, as BSONDocument's subscript reads it.
        let dup = BSONDocument([("shard", .string("first")), ("ns", .string("a.b")), ("shard", .string("second")),
                                ("uuid", .null), ("uuid", .int32(1))])
        try assertSameTally([dup])
        var t = ChunkTally()
        try BSONEncoder.encode(dup).withUnsafeBytes { _ = try t.add(raw: $0) }
        XCTAssertEqual(t.groups, [ChunkGroup(owner: .ns("a.b"), shard: "first", chunks: 1, jumbo: 0)])
    }

    /// Every single-byte corruption and every cut of a real chunk document: the raw walk throws where and
    /// what the decoder throws, and counts what it accepts as the decoded path does.
    func testRawWalkRejectsExactlyWhatTheDecoderRejects() throws {
        let chunk = Fx.chunkUUID(3, .int64(-5), .maxKey, shard: "shA", jumbo: true, n: 9)
            .merging(["regex": .regex(pattern: "a", options: "i"), "code": .javascriptWithScope(code: "x", scope: ["y": 1]),
                      "dec": .decimal128(Array(repeating: 1, count: 16)), "ptr": .dbPointer(ref: "r", id: Fx.oid(1)), "d": .double(1)])
        let bytes = BSONEncoder.encode(chunk)
        var checked = 0, rejected = 0
        var variants: [[UInt8]] = []
        for i in 0..<bytes.count {
            for v: UInt8 in [0x00, 0x01, 0x02, 0x03, 0x7f, 0xff, bytes[i] &+ 1, bytes[i] &- 1] where v != bytes[i] {
                var b = bytes; b[i] = v; variants.append(b)
            }
        }
        // Cuts with a patched length prefix (the file reader checks the prefix; the walk checks the inside).
        for n in 5..<bytes.count {
            var b = Array(bytes.prefix(n))
            let len = UInt32(n)
            for k in 0..<4 { b[k] = UInt8(truncatingIfNeeded: len >> (8 * k)) }
            variants.append(b)
        }
        for b in variants {
            let decoded: Result<BSONDocument, BSONDecodeError>
            do { decoded = .success(try BSONDecoder.decode(b)) } catch let e as BSONDecodeError { decoded = .failure(e) }
            var raw = ChunkTally()
            let walked: Result<Void, BSONDecodeError>
            do { try b.withUnsafeBytes { _ = try raw.add(raw: $0) }; walked = .success(()) } catch let e as BSONDecodeError { walked = .failure(e) }
            switch (decoded, walked) {
            case (.failure(let d), .failure(let w)):
                XCTAssertEqual(w, d, "variant \(b)"); rejected += 1
            case (.success(let doc), .success):
                var t = ChunkTally(); t.add(doc)
                XCTAssertEqual(Set(raw.groups), Set(t.groups)); XCTAssertEqual(raw.skipped, t.skipped)
            default:
                XCTFail("decoder \(decoded) but raw walk \(walked) for \(b)")
            }
            checked += 1
        }
        XCTAssertGreaterThan(rejected, 100)
        XCTAssertEqual(checked, variants.count)
    }

    // MARK: through the file reader

    func chunkDocs(collections: Int, perCollection: Int, shards: Int = 3) -> [BSONDocument] {
        var docs: [BSONDocument] = []
        for c in 0..<collections {
            for k in 0..<perCollection {
                let lo: BSONValue = k == 0 ? .minKey : .int64(Int64(k) * 100)
                let hi: BSONValue = k == perCollection - 1 ? .maxKey : .int64(Int64(k + 1) * 100)
                docs.append(Fx.chunkUUID(UInt8(c + 1), lo, hi, shard: "sh\((k * 7 + c) % shards)", jumbo: k % 11 == 0, n: UInt8(k % 200)))
            }
        }
        return docs
    }

    func testDocumentsAcrossBufferRefillsAndOneLargerThanTheBuffer() throws {
        var docs = chunkDocs(collections: 3, perCollection: 3000)           // ~900 KB … spans refills
        // A 1.5 MiB chunk document: the buffer grows for it.
        docs.insert(Fx.chunkUUID(1, .int64(-1), .int64(0), shard: "sh0").merging(["pad": .string(String(repeating: "p", count: 3 << 19))]), at: 1500)
        docs += chunkDocs(collections: 2, perCollection: 2000)
        let path = try Fx.write("chunks", docs, in: dir)
        XCTAssertGreaterThan(try Data(contentsOf: URL(fileURLWithPath: path)).count, 2 * BSONFileReader.bufferSize)
        var raw = ChunkTally(), decoded = ChunkTally()
        var offsets: [Int64] = []
        try BSONFileReader(path: path).forEachRaw { b, off in _ = try raw.add(raw: b); offsets.append(off) }
        docs.forEach { decoded.add($0) }
        XCTAssertEqual(Set(raw.groups), Set(decoded.groups))
        XCTAssertEqual(raw.scanned, docs.count)
        XCTAssertEqual(offsets, docs.map(BSONEncoder.encode).reduce(into: [Int64(0)]) { $0.append($0.last! + Int64($1.count)) }.dropLast())
        // gzip: the same documents, offsets in the uncompressed stream
        try Fx.gzip(path)
        var gz = ChunkTally()
        try BSONFileReader(path: path + ".gz").forEachRaw { b, _ in _ = try gz.add(raw: b) }
        XCTAssertEqual(Set(gz.groups), Set(decoded.groups))
    }

    func loadError() -> LoaderError? {
        do { _ = try DumpSource(path: dir.path).snapshot(progress: nil); return nil }
        catch let e as LoaderError { return e } catch { XCTFail("\(error)"); return nil }
    }

    func testCorruptChunkInsideTheFileNamesFileAndOffset() throws {
        _ = try Fx.writeMixedDump(in: dir)
        let docs = chunkDocs(collections: 1, perCollection: 20)
        var bytes = docs.map(BSONEncoder.encode)
        // Chunk 12: its `shard` string's length made too long (inside the document, no other check trips first).
        let shardKey = Array("shard".utf8) + [0]
        let at = try XCTUnwrap((0..<bytes[12].count).first { Array(bytes[12][$0..<min($0 + 6, bytes[12].count)]) == shardKey })
        bytes[12][at + 6] = 0x7f
        let path = try Fx.write("chunks", [], in: dir)
        try Data(bytes.joined()).write(to: URL(fileURLWithPath: path))
        let start = bytes[0..<12].map(\.count).reduce(0, +)
        let expected = try XCTUnwrap({ () -> BSONDecodeError? in
            do { _ = try BSONDecoder.decode(bytes[12]); return nil } catch let e as BSONDecodeError { return e } catch { return nil }
        }())
        XCTAssertEqual(loadError(), .corruptFile(path: path, offset: Int64(start + expected.offset), reason: expected.reason, compressed: false))
        XCTAssertTrue(loadError()!.description.contains("byte \(start + at + 10)"), loadError()!.description)

        // An invalid length prefix between documents.
        var cut = bytes.prefix(5).joined().map { $0 }
        cut += [2, 0, 0, 0, 0]
        try Data(cut).write(to: URL(fileURLWithPath: path))
        let five = bytes.prefix(5).map(\.count).reduce(0, +)
        XCTAssertEqual(loadError(), .corruptFile(path: path, offset: Int64(five), reason: "invalid document length 2", compressed: false))
        // Fewer bytes than a length prefix at the end.
        try Data(bytes.prefix(5).joined() + [9, 0]).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(loadError(), .corruptFile(path: path, offset: Int64(five), reason: "file ends inside a document (2 of its bytes present)", compressed: false))
    }

    // MARK: pages from the index

    func testFullWalkOverEveryCollectionPagesInKeyOrder() throws {
        for gzip in [false, true] {
            try? FileManager.default.removeItem(at: dir)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var fx = try Fx.writeMixedDump(in: dir)
            let extra = chunkDocs(collections: 3, perCollection: 1200)
            // interleave collections and reverse key order within the file: pages must still come in key order
            var docs = fx.chunks + extra.reversed()
            docs.swapAt(0, docs.count - 1)
            fx.chunks = docs
            let path = try Fx.write("chunks", docs, in: dir)
            if gzip { try Fx.gzip(path) }
            var colls = fx.raw.collections
            for c in 1...3 { colls.append(Fx.collection50("bench.c\(c)", uuid: UInt8(c), key: ["x": 1])) }
            let cpath = try Fx.write("collections", colls, in: dir)
            if gzip { try Fx.gzip(cpath) }

            let src = try DumpSource(path: dir.path)
            let snap = try src.snapshot(progress: nil)
            var walked = 0, decodable = 0
            for coll in snap.collections {
                var page: [Chunk] = [], all: [Chunk] = []
                repeat {
                    page = try src.chunks(of: coll, after: all.last?.min, limit: 100)
                    all += page
                } while page.count == 100
                let expected = docs.filter { ChunkKeying.owner(of: $0) == coll.keying }.compactMap { try? ChunkDecoder.decode($0) }
                    .sorted { BSONDocument.compareKeys($0.min, $1.min) < 0 }
                XCTAssertEqual(all, expected, "\(coll.ns) gzip=\(gzip)")
                XCTAssertEqual(all.count, snap.chunkCounts(for: coll.ns).map(\.chunks).reduce(0, +), coll.ns)
                if let mid = expected.dropFirst(expected.count / 2).first {
                    XCTAssertEqual(try src.chunk(of: coll, containing: mid.min), mid)
                }
                walked += all.count; decodable += expected.count
            }
            XCTAssertEqual(walked, decodable)
            XCTAssertGreaterThan(walked, 3600)
        }
    }

    func testPagesFollowAChangedFile() throws {
        let fx = try Fx.writeMixedDump(in: dir)
        let src = try DumpSource(path: dir.path)
        let snap = try src.snapshot(progress: nil)
        let orders = try XCTUnwrap(snap.collection("app.orders"))
        let before = try src.chunks(of: orders, after: nil, limit: 100)
        XCTAssertFalse(before.isEmpty)
        // The file rewritten with only the first of those chunks (and a later mtime): pages re-scan it.
        let keep = fx.chunks.filter { ChunkKeying.owner(of: $0) == orders.keying }.compactMap { try? ChunkDecoder.decode($0) }
            .sorted { BSONDocument.compareKeys($0.min, $1.min) < 0 }.prefix(1)
        let path = try Fx.write("chunks", fx.chunks.filter { (try? ChunkDecoder.decode($0)) == keep.first }, in: dir)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: path)
        XCTAssertEqual(try src.chunks(of: orders, after: nil, limit: 100), Array(keep))
    }
}
