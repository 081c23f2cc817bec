import Foundation
import CMongoC
import ClusterModel

/// How far `snapshot` has come: the collection being written and what is in its file so far.
public struct ExportProgress: Sendable {
    public var collection: String
    public var documents: Int
    /// BSON bytes written (uncompressed).
    public var bytes: Int64
    /// The collection's file is complete.
    public var done: Bool
    public init(collection: String, documents: Int, bytes: Int64, done: Bool) {
        self.collection = collection; self.documents = documents; self.bytes = bytes; self.done = done
    }
}

/// Why a live export stopped part-way (beyond the LoaderErrors a load gives). One line, redacted, exit status 2.
public enum SnapshotExportError: Error, CustomStringConvertible {
    case connectionLost(server: String, command: String, documents: Int, reason: String)
    public var description: String {
        switch self {
        case let .connectionLost(server, command, documents, reason):
            return SafeText.escaped("lost the connection to \(server) during '\(command)' after \(documents) documents: \(reason); "
                                    + "the snapshot was not written, run it again")
        }
    }
}

/// The config collections a snapshot holds: every one any shardscope command reads.
public let snapshotCollections = ["shards", "databases", "collections", "chunks", "tags", "mongos",
                                  "settings", "version", "changelog", "actionlog", "migrations"]

extension LiveSource {
    /// Writes the cluster's config collections as `mongodump --db config` would (raw BSON as the server sent it,
    /// each collection streamed from its cursor straight to its file: no collection is held in memory) and
    /// returns the sidecar: capture time, server version and the answers of buildInfo, balancerStatus,
    /// getDefaultRWConcern and `$shardedDataDistribution`. Read-only: hello, listCollections, find/getMore/
    /// killCursors, listIndexes, buildInfo, balancerStatus, getDefaultRWConcern, aggregate($shardedDataDistribution).
    /// `notes` collects what the snapshot lacks but a load does not need (e.g. indexes the user may not list).
    public func export(to writer: DumpWriter, notes: inout [String], progress: ((ExportProgress) -> Void)?) throws -> SnapshotSidecar {
        let hello = try helloReply()
        var sidecar = SnapshotSidecar(capturedAt: hello["localTime"]?.dateValue, source: [("kind", "live"), ("uri", info.display)])

        // Collection options and uuids, as mongodump reads them (one listCollections on config).
        var listing: [String: BSONDocument] = [:]
        do {
            for d in try listCollections(snapshotCollections) { if let n = d["name"]?.stringValue { listing[n] = d } }
        } catch LoaderError.commandFailed(_, let code, let message) {
            notes.append("listCollections on config refused (code \(code): \(message)); metadata files hold no collection uuids or options")
        }

        for name in snapshotCollections {
            progress?(ExportProgress(collection: name, documents: 0, bytes: 0, done: false))
            let file = try writer.open(collection: name)
            do {
                try stream(name, into: file, progress: progress)
                try file.finish()
            } catch {
                file.abandon()
                throw error
            }
            try writer.writeMetadata(collection: name, metadata: try metadata(name, listing: listing[name], notes: &notes))
            sidecar.collections.append((name, file.documents, file.bytes))
            progress?(ExportProgress(collection: name, documents: file.documents, bytes: file.bytes, done: true))
        }

        // What is in no collection, exactly as `snapshot(progress:)` asks for it (a refusal is the same warning).
        var warnings: [String] = []
        sidecar.buildInfo = try optional("buildInfo", &warnings) { SnapshotSidecar.answer(try command(["buildInfo": .int32(1)])) }
        sidecar.serverVersion = sidecar.buildInfo?["version"]?.stringValue
        sidecar.balancerStatus = try optional("balancerStatus", &warnings) { SnapshotSidecar.answer(try command(["balancerStatus": .int32(1)])) }
        sidecar.defaultRWConcern = try optional("getDefaultRWConcern", &warnings) {
            SnapshotSidecar.answer(try command(["getDefaultRWConcern": .int32(1)]))
        }
        var ignored: [String] = []   // older than 6.0.3: no data sizes, as a live load says nothing either
        sidecar.shardedDataDistribution = try optional("$shardedDataDistribution", &ignored) {
            try aggregate(database: "admin", [["$shardedDataDistribution": .document([:])]])
        }
        sidecar.warnings = warnings
        return sidecar
    }

    /// `find config.<coll>` with no filter, in natural order as mongodump reads it; each document's bytes go
    /// to `file` as they arrive (a batch at a time from the server, never the whole collection).
    private func stream(_ coll: String, into file: DumpWriter.CollectionFile, progress: ((ExportProgress) -> Void)?) throws {
        let command = "find config.\(coll)"
        let collection = mongoc_client_get_collection(client, "config", coll)!
        defer { mongoc_collection_destroy(collection) }
        let cursor = withBSON([:]) { f in mongoc_collection_find_with_opts(collection, f, nil, nil)! }
        defer { mongoc_cursor_destroy(cursor) }
        var doc: OpaquePointer?
        var started = Date()   // of the current round trip (first batch or getMore)
        while mongoc_cursor_next(cursor, &doc) {
            guard let data = bson_get_data(doc!) else {
                throw LoaderError.commandFailed(command: command, code: 0, message: "undecodable reply: null document")
            }
            let length = BSONDocument.lengthPrefix(UnsafeRawPointer(data))
            try file.append(raw: UnsafeRawBufferPointer(start: data, count: length))
            if file.documents % 2_000 == 0 {
                progress?(ExportProgress(collection: coll, documents: file.documents, bytes: file.bytes, done: false))
            }
            started = Date()
        }
        var error = bson_error_t()
        if mongoc_cursor_error(cursor, &error) {
            let server = Self.isStreamError(error) ? host(of: cursor) : nil
            let converted = convert(error, command: command, started: started, server: server)
            // A connection that broke mid-collection is not a server we "cannot reach": say what was under way.
            if case .unreachable(let hosts, _, let reason) = converted, file.documents > 0 {
                throw SnapshotExportError.connectionLost(server: server ?? LoaderError.list(hosts), command: command,
                                                         documents: file.documents, reason: reason)
            }
            throw converted
        }
    }

    /// `listCollections` on config, for the named collections.
    private func listCollections(_ names: [String]) throws -> [BSONDocument] {
        let db = mongoc_client_get_database(client, "config")!
        defer { mongoc_database_destroy(db) }
        let opts: BSONDocument = ["filter": .document(["name": .document(["$in": .array(names.map(BSONValue.string))])])]
        guard let cursor = withBSON(opts, { mongoc_database_find_collections_with_opts(db, $0) }) else { return [] }
        return try drainAll(cursor, command: "listCollections config")
    }

    /// `<coll>.metadata.json` as mongodump writes it: options and uuid from listCollections, indexes from listIndexes.
    private func metadata(_ coll: String, listing: BSONDocument?, notes: inout [String]) throws -> DumpWriter.CollectionMetadata {
        var indexes: [BSONDocument] = []
        let collection = mongoc_client_get_collection(client, "config", coll)!
        defer { mongoc_collection_destroy(collection) }
        do {
            if let cursor = mongoc_collection_find_indexes_with_opts(collection, nil) {
                indexes = try drainAll(cursor, command: "listIndexes config.\(coll)")
            }
        } catch LoaderError.commandFailed(_, let code, let message) {
            if code != 26 {   // NamespaceNotFound: the collection does not exist (nothing to index)
                notes.append("listIndexes config.\(coll) refused (code \(code): \(message)); its metadata file lists only the _id index")
            }
        }
        if indexes.isEmpty { indexes = [DumpWriter.CollectionMetadata.idIndex] }
        var uuid: String?
        if case .binary(_, let bytes)? = listing?.value(at: "info.uuid") { uuid = bytes.map { String(format: "%02x", $0) }.joined() }
        return DumpWriter.CollectionMetadata(options: listing?["options"]?.documentValue ?? [:], indexes: indexes, uuid: uuid,
                                             type: listing?["type"]?.stringValue ?? "collection")
    }

    private func drainAll(_ cursor: OpaquePointer, command: String) throws -> [BSONDocument] {
        defer { mongoc_cursor_destroy(cursor) }
        var out: [BSONDocument] = []
        var doc: OpaquePointer?
        let started = Date()
        while mongoc_cursor_next(cursor, &doc) {
            do { out.append(try BSONDocument(bson: doc!)) } catch {
                throw LoaderError.commandFailed(command: command, code: 0, message: "undecodable reply: \(error)")
            }
        }
        var error = bson_error_t()
        if mongoc_cursor_error(cursor, &error) {
            throw convert(error, command: command, started: started, server: Self.isStreamError(error) ? host(of: cursor) : nil)
        }
        return out
    }
}
