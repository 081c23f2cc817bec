import XCTest
import Foundation
import CZlib
import ClusterModel
@testable import ClusterLoader

/// A `.bson.gz` cut short (in the middle of a deflate block, at a deflate block boundary that is also a document
/// boundary, inside or before the gzip trailer) is "truncated or corrupt" on every path that reads it: the status
/// load, the snapshot copy, chunk paging; never a short copy or "the file changed since it was scanned".
final class TruncatedGzipTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("shardscope-gzcut-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A gzip dump of the demo; its chunks.bson.gz rewritten with a full flush after half the documents, so the
    /// compressed file has a byte offset where a deflate block and a document both end. Returns that offset.
    func makeDump(_ out: URL) throws -> (chunks: String, boundary: Int, count: Int) {
        let demo = DemoCluster(seed: 3, totalChunks: 4000)
        try DumpWriter(directory: out, gzip: true, uuidSeed: 3).write(demo)
        let path = out.appendingPathComponent("config/chunks.bson.gz").path
        var docs: [[UInt8]] = []
        try BSONFileReader(path: path).forEachRaw { bytes, _ in docs.append(Array(bytes)) }
        let gz = try XCTUnwrap(gzopen(path, "wb"))
        var boundary = 0
        for (i, d) in docs.enumerated() {
            XCTAssertEqual(d.withUnsafeBytes { gzwrite(gz, $0.baseAddress, UInt32($0.count)) }, Int32(d.count))
            if i == docs.count / 2 {
                XCTAssertEqual(gzflush(gz, Z_FULL_FLUSH), Z_OK)
                boundary = Int(gzoffset(gz))
            }
        }
        XCTAssertEqual(gzclose(gz), Z_OK)
        return (path, boundary, docs.count)
    }

    func cut(_ path: String, to length: Int) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(length).write(to: URL(fileURLWithPath: path))
    }

    func assertTruncated(_ body: () throws -> Void, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("\(what): no error", file: file, line: line)
        } catch let e as LoaderError {
            let text = "\(e)"
            guard case let .corruptFile(path, _, reason, compressed) = e else {
                return XCTFail("\(what): \(text)", file: file, line: line)
            }
            XCTAssertTrue(path.hasSuffix("chunks.bson.gz"), "\(what): \(text)", file: file, line: line)
            XCTAssertTrue(compressed, what, file: file, line: line)
            XCTAssertFalse(reason.contains("changed since it was scanned"), "\(what): \(text)", file: file, line: line)
            XCTAssertTrue(text.contains("truncated or corrupt"), "\(what): \(text)", file: file, line: line)
        } catch {
            XCTFail("\(what): unexpected \(error)", file: file, line: line)
        }
    }

    func testCutsAreErrorsOnEveryPath() throws {
        let intact = dir.appendingPathComponent("intact")
        let (chunks, boundary, count) = try makeDump(intact)
        let full = try Data(contentsOf: URL(fileURLWithPath: chunks))
        // The intact file: loads, copies and pages every chunk.
        let snap = try DumpSource(path: intact.path).snapshot(progress: nil)
        XCTAssertEqual(snap.totalChunks, count)
        let copied = try DumpSource(path: intact.path).export(to: DumpWriter(directory: dir.appendingPathComponent("copy0"), gzip: false), progress: nil)
        XCTAssertEqual(copied.collections.first { $0.0 == "chunks" }?.1, count)
        let coll = try XCTUnwrap(snap.collections.max { snap.totalChunks(for: $0.ns) < snap.totalChunks(for: $1.ns) })

        let cuts = [("mid-block", full.count / 3), ("at a block and document boundary", boundary),
                    ("before the trailer", full.count - 8), ("inside the trailer", full.count - 3)]
        for (n, (what, at)) in cuts.enumerated() {
            XCTAssertTrue(at > 20 && at < full.count, what)
            let cutDir = dir.appendingPathComponent("cut\(n)")
            try FileManager.default.copyItem(at: intact, to: cutDir)
            let path = cutDir.appendingPathComponent("config/chunks.bson.gz").path
            // Chunk paging: the index scanned from the whole file, the file then cut (a page inflates it anew).
            let index = try ChunkFileIndex.scan(path: path)
            try cut(path, to: at)
            assertTruncated({ _ = try index.chunks(of: coll.keying, after: nil, limit: 10) }, "page, \(what)")
            // The reader itself, the status load, the snapshot copy.
            assertTruncated({ try BSONFileReader(path: path).forEachRaw { _, _ in } }, "reader, \(what)")
            assertTruncated({ _ = try DumpSource(path: cutDir.path).snapshot(progress: nil) }, "status, \(what)")
            assertTruncated({
                _ = try DumpSource(path: cutDir.path).export(to: DumpWriter(directory: self.dir.appendingPathComponent("copy\(n + 1)"), gzip: true), progress: nil)
            }, "copy, \(what)")
        }
    }

    /// The copy checks what the reader checks (one reader, one limit): a document whose length prefix runs past
    /// the end of a plain file is an error at its offset.
    func testCopyOfACutPlainFileNamesTheOffset() throws {
        let out = dir.appendingPathComponent("plain")
        try DumpWriter(directory: out, gzip: false, uuidSeed: 1).write(DemoCluster(seed: 1, totalChunks: 300))
        let path = out.appendingPathComponent("config/chunks.bson").path
        var offsets: [Int64] = []
        try BSONFileReader(path: path).forEachRaw { _, o in offsets.append(o) }
        try cut(path, to: Int(offsets[100]) + 7)
        do {
            try DumpWriter(directory: dir.appendingPathComponent("copy"), gzip: false).copy(collection: "chunks", from: path)
            XCTFail("no error")
        } catch let LoaderError.corruptFile(p, offset, _, _) {
            XCTAssertEqual(p, path)
            XCTAssertEqual(offset, offsets[100])
        }
    }
}
