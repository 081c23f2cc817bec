import Foundation
import ClusterModel
import CZlib

/// Writes config documents the way `mongodump --db config [--gzip]` lays them out:
/// `DIR/config/<coll>.bson` (concatenated BSON documents) and `DIR/config/<coll>.metadata.json`,
/// each with a `.gz` suffix when gzipped. Documents are streamed through a 1 MiB buffer.
public struct DumpWriter {
    /// `DIR/config`.
    public let configDirectory: URL
    public let gzip: Bool
    /// Mixed into the collection uuids written in the metadata files, so they are stable per dump.
    public let uuidSeed: UInt64

    /// Creates `directory/config` (and `directory`) if needed.
    public init(directory: URL, gzip: Bool = false, uuidSeed: UInt64 = 0) throws {
        configDirectory = directory.appendingPathComponent("config", isDirectory: true)
        self.gzip = gzip
        self.uuidSeed = uuidSeed
        do { try FileManager.default.createDirectory(at: configDirectory, withIntermediateDirectories: true) }
        catch { throw LoaderError.io(path: configDirectory.path, reason: error.localizedDescription) }
    }

    /// Writes one collection's documents and its metadata file.
    public func write(collection: String, documents: [BSONDocument]) throws {
        try write(collection: collection) { emit in for d in documents { try emit(d) } }
    }

    /// Writes one collection whose documents are produced by `produce`, which calls `emit` once per
    /// document (nothing is held but the current buffer). Returns the number of documents written.
    @discardableResult
    public func write(collection: String, produce: ((BSONDocument) throws -> Void) throws -> Void) throws -> Int {
        let out = try Output(path: path(collection + ".bson"), gzip: gzip)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        var count = 0
        do {
            try produce { doc in
                buffer.append(contentsOf: BSONEncoder.encode(doc))
                count += 1
                if buffer.count >= 1 << 20 { try out.write(buffer); buffer.removeAll(keepingCapacity: true) }
            }
            try out.write(buffer)
            try out.close()
        } catch {
            try? out.close()
            throw error
        }
        try writeMetadata(collection: collection)
        return count
    }

    /// `<coll>.metadata.json`: the `_id` index, a uuid, the name, the type.
    public func writeMetadata(collection: String) throws {
        let uuid = (0..<2).map { String(format: "%016llx", stableHash("\(collection)/\($0)", uuidSeed)) }.joined()
        let json = #"{"indexes":[{"v":2,"key":{"_id":1},"name":"_id_"}],"uuid":"\#(uuid)","collectionName":"\#(collection)","type":"collection"}"#
        let out = try Output(path: path(collection + ".metadata.json"), gzip: gzip)
        try out.write(Array(json.utf8))
        try out.close()
    }

    func path(_ name: String) -> String {
        configDirectory.appendingPathComponent(gzip ? name + ".gz" : name).path
    }

    /// A plain or gzip file opened for writing.
    final class Output {
        let path: String
        private var file: UnsafeMutablePointer<FILE>?
        private var gz: gzFile?

        init(path: String, gzip: Bool) throws {
            self.path = path
            if gzip { gz = gzopen(path, "wb") } else { file = fopen(path, "wb") }
            if file == nil && gz == nil { throw LoaderError.io(path: path, reason: String(cString: strerror(errno))) }
        }

        func write(_ bytes: [UInt8]) throws {
            guard !bytes.isEmpty else { return }
            let ok = bytes.withUnsafeBytes { p -> Bool in
                if let gz { return gzwrite(gz, p.baseAddress, UInt32(p.count)) == Int32(p.count) }
                return fwrite(p.baseAddress, 1, p.count, file) == p.count
            }
            if !ok { throw LoaderError.io(path: path, reason: "write failed: \(String(cString: strerror(errno)))") }
        }

        func close() throws {
            var rc: Int32 = 0
            if let g = gz { rc = gzclose(g); gz = nil }
            if let f = file { rc = fclose(f); file = nil }
            if rc != 0 { throw LoaderError.io(path: path, reason: "close failed") }
        }

        deinit { try? close() }
    }
}

extension DumpWriter {
    /// Writes every config collection of the demo (chunks streamed). Returns documents written per collection.
    @discardableResult
    public func write(_ demo: DemoCluster) throws -> [String: Int] {
        let docs = demo.documents(includingChunks: false)
        var counts: [String: Int] = [:]
        for name in DemoCluster.collectionNames {
            counts[name] = name == "chunks"
                ? try write(collection: name) { emit in try demo.forEachChunkDocument(emit) }
                : try write(collection: name) { emit in for d in docs[name] ?? [] { try emit(d) } }
        }
        return counts
    }
}
