import Foundation
import ClusterModel
import CZlib

/// Writes config documents the way `mongodump --db config [--gzip]` lays them out:
/// `DIR/config/<coll>.bson` (concatenated BSON documents) and `DIR/config/<coll>.metadata.json`,
/// each with a `.gz` suffix when gzipped. Documents are streamed through a 1 MiB buffer.
public struct DumpWriter {
    /// `DIR`.
    public let directory: URL
    /// `DIR/config`.
    public let configDirectory: URL
    public let gzip: Bool
    /// Mixed into the collection uuids written in the metadata files, so they are stable per dump.
    public let uuidSeed: UInt64
    /// fsync every file as it is closed (a snapshot is renamed into place only once its bytes are on disk).
    public var syncFiles = false

    /// Creates `directory/config` (and `directory`) if needed.
    public init(directory: URL, gzip: Bool = false, uuidSeed: UInt64 = 0) throws {
        self.directory = directory
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
        let file = try open(collection: collection)
        do {
            try produce { try file.append($0) }
            try file.finish()
        } catch {
            file.abandon()
            throw error
        }
        try writeMetadata(collection: collection)
        return file.documents
    }

    /// Opens `<coll>.bson[.gz]` for streaming; call `finish()` to flush (and fsync) it.
    public func open(collection: String) throws -> CollectionFile {
        CollectionFile(output: try Output(path: path(collection + ".bson"), gzip: gzip, sync: syncFiles))
    }

    /// One collection's data file being written: documents (or their raw bytes) appended in order.
    public final class CollectionFile {
        let output: Output
        private var buffer: [UInt8] = []
        public private(set) var documents = 0
        /// BSON bytes appended (uncompressed).
        public private(set) var bytes: Int64 = 0

        init(output: Output) {
            self.output = output
            buffer.reserveCapacity(1 << 20)
        }

        public func append(_ doc: BSONDocument) throws {
            let b = BSONEncoder.encode(doc)
            try b.withUnsafeBytes { try append(raw: $0) }
        }

        /// Appends one document's bytes exactly as the server sent them (the caller has checked its length prefix).
        public func append(raw: UnsafeRawBufferPointer) throws {
            buffer.append(contentsOf: raw)
            documents += 1
            bytes += Int64(raw.count)
            if buffer.count >= 1 << 20 { try output.write(buffer); buffer.removeAll(keepingCapacity: true) }
        }

        public func finish() throws {
            try output.write(buffer)
            buffer.removeAll()
            try output.close()
        }

        /// Closes without caring about errors (the file is being thrown away).
        func abandon() { try? output.close() }
    }

    /// What mongodump writes in `<coll>.metadata.json`, from `listCollections` and `listIndexes`.
    public struct CollectionMetadata: Equatable, Sendable {
        public var options: BSONDocument
        public var indexes: [BSONDocument]
        /// The collection's uuid as 32 hex digits (mongodump's spelling), if known.
        public var uuid: String?
        public var type: String
        public init(options: BSONDocument = [:], indexes: [BSONDocument], uuid: String?, type: String = "collection") {
            self.options = options; self.indexes = indexes; self.uuid = uuid; self.type = type
        }
        /// The `_id` index every collection has.
        public static let idIndex: BSONDocument = ["v": .int32(2), "key": .document(["_id": .int32(1)]), "name": "_id_"]

        /// mongodump's document: options (omitted when empty), indexes, uuid (omitted when unknown), collectionName, type,
        /// as canonical Extended JSON on one line.
        public func json(collection: String) -> String {
            var pairs: [(String, JSONValue)] = []
            if !options.isEmpty { pairs.append(("options", ExtendedJSON.canonical(options))) }
            pairs.append(("indexes", .array(indexes.map(ExtendedJSON.canonical))))
            if let uuid { pairs.append(("uuid", .string(uuid))) }
            pairs.append(("collectionName", .string(collection)))
            pairs.append(("type", .string(type)))
            return JSONValue.object(pairs).serialized(indent: 0)
        }
    }

    /// `<coll>.metadata.json`: by default the `_id` index, a uuid stable for this writer's seed, the name, the type.
    public func writeMetadata(collection: String, metadata: CollectionMetadata? = nil) throws {
        let meta = metadata ?? CollectionMetadata(
            indexes: [CollectionMetadata.idIndex],
            uuid: (0..<2).map { String(format: "%016llx", stableHash("\(collection)/\($0)", uuidSeed)) }.joined())
        let out = try Output(path: path(collection + ".metadata.json"), gzip: gzip, sync: syncFiles)
        try out.write(Array(meta.json(collection: collection).utf8))
        try out.close()
    }

    /// Copies the documents of a dump file (`.bson` or `.bson.gz`) into `<coll>.bson[.gz]` byte for byte
    /// (re-compressed or not as this writer is), checking each document's length prefix on the way.
    /// Calls `progress` with the documents copied so far. Returns the file written.
    @discardableResult
    public func copy(collection: String, from source: String, progress: ((Int) -> Void)? = nil) throws -> CollectionFile {
        // The one dump reader: the same length limit, and a truncated or corrupt `.gz` is an error, not a short copy.
        let reader = try BSONFileReader(path: source)
        let file = try open(collection: collection)
        do {
            try reader.forEachRaw { bytes, _ in
                guard bytes[bytes.count - 1] == 0 else {
                    throw BSONDecodeError(offset: bytes.count - 1, reason: "document does not end with a zero byte")
                }
                try file.append(raw: bytes)
                if file.documents % 10_000 == 0 { progress?(file.documents) }
            }
            try file.finish()
        } catch {
            file.abandon()
            throw error
        }
        progress?(file.documents)
        return file
    }

    func path(_ name: String) -> String {
        configDirectory.appendingPathComponent(gzip ? name + ".gz" : name).path
    }

    /// A plain or gzip file opened for writing; with `sync`, fsync'd before it is closed.
    final class Output {
        let path: String
        let sync: Bool
        private var fd: Int32 = -1
        private var file: UnsafeMutablePointer<FILE>?
        private var gz: gzFile?

        init(path: String, gzip: Bool, sync: Bool = false) throws {
            self.path = path
            self.sync = sync
            fd = Foundation.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw LoaderError.io(path: path, reason: String(cString: strerror(errno))) }
            // The stream gets its own descriptor, so `fd` stays open for the fsync after the stream is closed
            // (gzclose writes the gzip trailer).
            let streamFD = dup(fd)
            if gzip { gz = gzdopen(streamFD, "wb") } else { file = fdopen(streamFD, "wb") }
            if file == nil && gz == nil {
                let reason = String(cString: strerror(errno))
                if streamFD >= 0 { Foundation.close(streamFD) }
                Foundation.close(fd); fd = -1
                throw LoaderError.io(path: path, reason: reason)
            }
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
            var synced = true
            if fd >= 0 {
                if sync, rc == 0 { synced = fsync(fd) == 0 }
                Foundation.close(fd); fd = -1
            }
            if rc != 0 { throw LoaderError.io(path: path, reason: "close failed (disk full?)") }
            if !synced { throw LoaderError.io(path: path, reason: "fsync failed: \(String(cString: strerror(errno)))") }
        }

        deinit { try? close() }
    }
}

extension DumpWriter {
    /// Writes every config collection of the demo (chunks streamed). Returns documents written per collection.
    @discardableResult
    public func write(_ demo: DemoCluster, progress: ((_ collection: String, _ documents: Int, _ done: Bool) -> Void)? = nil) throws -> [String: Int] {
        let docs = demo.documents(includingChunks: false)
        var counts: [String: Int] = [:]
        for name in DemoCluster.collectionNames {
            progress?(name, 0, false)
            counts[name] = name == "chunks"
                ? try write(collection: name) { emit in try demo.forEachChunkDocument(emit) }
                : try write(collection: name) { emit in for d in docs[name] ?? [] { try emit(d) } }
            progress?(name, counts[name] ?? 0, true)
        }
        return counts
    }

    /// Writes `shardscope.json` beside `config/` (never gzipped: it is small and meant to be read).
    public func write(sidecar: SnapshotSidecar) throws {
        let out = try Output(path: directory.appendingPathComponent(SnapshotSidecar.fileName).path, gzip: false, sync: syncFiles)
        try out.write(Array((sidecar.json.serialized(indent: 2) + "\n").utf8))
        try out.close()
    }
}
