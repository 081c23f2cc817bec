import Foundation
import CMongoC
import ClusterModel

/// libmongoc's default log handler writes to stdout (it would corrupt `--json`) and can echo connection details:
/// turn it off; every failure reaches the user through a LoaderError instead.
let mongocInitialized: Void = {
    mongoc_init()
    mongoc_log_set_handler(nil, nil)
}()

/// A live cluster through libmongoc. Read-only: it sends only find/getMore/killCursors, aggregate (no $out or
/// $merge), the handshake, hello/isMaster, buildInfo, balancerStatus and getDefaultRWConcern (and, for `snapshot`,
/// listCollections and listIndexes on config: see LiveExport.swift). One snapshot is a fixed
/// number of commands whatever the number of chunks (the distribution is one server-side `$group`).
/// Used from one thread at a time (a single `mongoc_client_t`, not a pool).
public final class LiveSource: MetadataSource {
    public let info: SourceInfo
    let options: LoadOptions
    private let uri: OpaquePointer      // mongoc_uri_t *
    let client: OpaquePointer   // mongoc_client_t * (used by LiveExport too)
    /// Seeds named in the URI (or the SRV name), for error messages.
    let hosts: [String]
    let user: String?
    /// The server-selection timeout in effect, seconds.
    let timeoutSeconds: Double
    /// The socket timeout in effect, seconds (0: none): a reply slower than this fails the read.
    let socketTimeoutSeconds: Double
    let secrets: [String]

    public init(uri text: String, options: LoadOptions = LoadOptions()) throws {
        _ = mongocInitialized
        self.options = options
        var secrets = [Redact.password(in: text)].compactMap { $0 }
        var error = bson_error_t()
        guard let uri = mongoc_uri_new_with_error(text, &error) else {
            throw LoaderError.invalidURI(uri: Redact.uri(text), reason: Redact.text(error.text, secrets: secrets))
        }
        if let pw = mongoc_uri_get_password(uri).map({ String(cString: $0) }), !pw.isEmpty { secrets.append(pw) }
        self.secrets = secrets

        let ms = Int32(clamping: Int64((options.timeout * 1000).rounded()))
        // socketTimeoutMS bounds a stalled server; it is longer than the selection timeout so a legitimately
        // slow $group over many chunks still finishes.
        for (key, value) in [(MONGOC_URI_SERVERSELECTIONTIMEOUTMS, ms), (MONGOC_URI_CONNECTTIMEOUTMS, ms),
                             (MONGOC_URI_SOCKETTIMEOUTMS, ms.multipliedReportingOverflow(by: 6).overflow ? Int32.max : ms * 6)]
        where !mongoc_uri_has_option(uri, key) {
            mongoc_uri_set_option_as_int32(uri, key, value)
        }
        // A read that timed out is not retried (unless the URI asks for it): the retry would wait out the socket
        // timeout a second time, so a stalled server would take twice as long as --timeout promises to report.
        if !mongoc_uri_has_option(uri, MONGOC_URI_RETRYREADS) { mongoc_uri_set_option_as_bool(uri, MONGOC_URI_RETRYREADS, false) }
        if mongoc_uri_get_appname(uri) == nil { mongoc_uri_set_appname(uri, "shardscope") }
        timeoutSeconds = Double(mongoc_uri_get_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, ms)) / 1000
        socketTimeoutSeconds = Double(mongoc_uri_get_option_as_int32(uri, MONGOC_URI_SOCKETTIMEOUTMS, 0)) / 1000

        var seeds: [String] = []
        var h = mongoc_uri_get_hosts(uri)
        while let host = h {
            var hp = host.pointee.host_and_port
            seeds.append(withUnsafeBytes(of: &hp) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
            h = UnsafePointer(host.pointee.next)
        }
        if seeds.isEmpty, let srv = mongoc_uri_get_srv_hostname(uri) { seeds = [String(cString: srv)] }
        hosts = seeds
        user = mongoc_uri_get_username(uri).map { String(cString: $0) }

        guard let client = mongoc_client_new_from_uri_with_error(uri, &error) else {
            mongoc_uri_destroy(uri)
            throw LoaderError.invalidURI(uri: Redact.uri(text), reason: Redact.text(error.text, secrets: secrets))
        }
        mongoc_client_set_error_api(client, Int32(MONGOC_ERROR_API_VERSION_2))
        self.uri = uri
        self.client = client
        info = SourceInfo(kind: .live, display: Redact.uri(text))
    }

    deinit {
        mongoc_client_destroy(client)
        mongoc_uri_destroy(uri)
    }

    // MARK: snapshot

    public func snapshot(progress: ((LoadProgress) -> Void)?) throws -> ClusterSnapshot {
        var raw = RawConfig()
        progress?(.reading("hello"))
        let hello = try helloReply()
        for (name, set) in [("shards", { raw.shards = $0 }), ("databases", { raw.databases = $0 }),
                            ("collections", { raw.collections = $0 }), ("tags", { raw.tags = $0 }),
                            ("mongos", { raw.mongos = $0 }), ("settings", { raw.settings = $0 }),
                            ("version", { raw.version = $0 }), ("migrations", { raw.migrations = $0 })] as [(String, ([BSONDocument]) -> Void)] {
            progress?(.reading(name))
            set(try find(name))
        }
        progress?(.reading("changelog"))
        raw.changelog = try find("changelog", sort: ["time": .int32(-1)], limit: options.changelogLimit)
        progress?(.reading("actionlog"))
        raw.actionlog = try find("actionlog", filter: ["what": .string("balancer.round")], sort: ["time": .int32(-1)], limit: options.actionlogLimit)

        progress?(.reading("chunks"))
        let isJumbo: BSONValue = .document(["$eq": .array([.string("$jumbo"), .bool(true)])])
        let group: BSONDocument = [
            "_id": .document(["uuid": .string("$uuid"), "ns": .string("$ns"), "shard": .string("$shard")]),
            "count": .document(["$sum": .int32(1)]),
            "jumbo": .document(["$sum": .document(["$cond": .array([isJumbo, .int32(1), .int32(0)])])]),
        ]
        let groups = try aggregate(collection: "chunks", [["$group": .document(group)]])
        var scanned = 0
        for g in groups {
            let id = g["_id"]?.documentValue ?? BSONDocument()
            guard let owner = ChunkKeying.owner(of: id), let shard = id["shard"]?.stringValue,
                  let count = g["count"]?.int64Value else { continue }
            raw.chunkGroups.append(ChunkGroup(owner: owner, shard: shard, chunks: Int(count), jumbo: Int(g["jumbo"]?.int64Value ?? 0)))
            scanned += Int(count)
        }
        progress?(.chunks(scanned: scanned, bytesRead: nil, totalBytes: nil))

        progress?(.reading("server status"))
        raw.buildInfo = try optional("buildInfo", &raw.warnings) { try command(["buildInfo": .int32(1)]) }
        raw.balancerStatus = try optional("balancerStatus", &raw.warnings) { try command(["balancerStatus": .int32(1)]) }
        raw.defaultRWConcern = try optional("getDefaultRWConcern", &raw.warnings) { try command(["getDefaultRWConcern": .int32(1)]) }
        // 6.0.3+ only; an older server rejects the stage (e.g. code 40324), which just means no data sizes.
        var ignored: [String] = []
        raw.shardedDataDistribution = try optional("$shardedDataDistribution", &ignored) {
            try aggregate(database: "admin", [["$shardedDataDistribution": .document([:])]])
        }
        return SnapshotBuilder.build(raw, source: info, asOf: hello["localTime"]?.dateValue, options: options)
    }

    // MARK: pages

    public func chunks(of collection: ShardedCollection, after: BSONDocument?, limit: Int) throws -> [Chunk] {
        guard limit > 0 else { return [] }
        var filter = Self.owner(collection)
        if let after { filter["min"] = .document(["$gt": .document(after)]) }
        return try find("chunks", filter: filter, sort: ["min": .int32(1)], limit: limit).compactMap { try? ChunkDecoder.decode($0) }
    }

    public func chunk(of collection: ShardedCollection, containing key: BSONDocument) throws -> Chunk? {
        var filter = Self.owner(collection)
        filter["min"] = .document(["$lte": .document(key)])
        let doc = try find("chunks", filter: filter, sort: ["min": .int32(-1)], limit: 1).first
        guard let chunk = doc.flatMap({ try? ChunkDecoder.decode($0) }), chunk.contains(key) else { return nil }
        return chunk
    }

    /// One find: `{uuid|ns, jumbo: true}` and/or `{…, min: {$gte: a}, max: {$lte: b}, shard: {$nin: [...]}}`.
    public func chunks(of collection: ShardedCollection, matching query: ChunkQuery, limit: Int) throws -> [Chunk] {
        guard limit > 0 else { return [] }
        var filter = Self.owner(collection)
        if query.jumboOnly { filter["jumbo"] = .bool(true) }
        if let w = query.within {
            filter["min"] = .document(["$gte": .document(w.min)])
            filter["max"] = .document(["$lte": .document(w.max)])
        }
        if !query.notOn.isEmpty { filter["shard"] = .document(["$nin": .array(query.notOn.map { .string($0) })]) }
        return try find("chunks", filter: filter, sort: ["min": .int32(1)], limit: limit).compactMap { try? ChunkDecoder.decode($0) }
    }

    public func changelog(newerThan time: Date, limit: Int) throws -> [ChangelogEntry] {
        guard limit > 0 else { return [] }
        let ms = ISO8601.millis(time)
        let docs = try find("changelog", filter: ["time": .document(["$gt": .date(ms)])], sort: ["time": .int32(-1)], limit: limit)
        return SnapshotBuilder.changelogEntries(docs)
    }

    /// `{uuid: X}` or `{ns: X}` — never an `$or` of both (it cannot use the chunks index).
    static func owner(_ c: ShardedCollection) -> BSONDocument {
        switch c.keying {
        case .uuid(let u): return ["uuid": u]
        case .ns(let ns): return ["ns": .string(ns)]
        }
    }

    // MARK: commands

    func helloReply() throws -> BSONDocument {
        do { return try command(["hello": .int32(1)]) } catch LoaderError.commandFailed {
            return try command(["isMaster": .int32(1)])   // servers before 4.4.2 lack `hello`
        }
    }

    /// A command on `admin`; a server's refusal becomes `commandFailed`.
    func command(_ cmd: BSONDocument) throws -> BSONDocument {
        let name = cmd.keys.first ?? "command"
        return try BSONReply().withPointer { reply in
            var error = bson_error_t()
            let started = Date()
            let ok = withBSON(cmd) { mongoc_client_command_simple(client, "admin", $0, nil, reply, &error) }
            guard ok else { throw convert(error, command: name, started: started, server: nil) }
            return try decodeReply(reply, command: name)
        }
    }

    private func find(_ coll: String, filter: BSONDocument = [:], sort: BSONDocument? = nil, limit: Int? = nil) throws -> [BSONDocument] {
        if let limit, limit <= 0 { return [] }   // limit 0 would mean "no limit" to the server
        var opts = BSONDocument()
        if let sort { opts["sort"] = .document(sort) }
        if let limit { opts["limit"] = .int64(Int64(limit)) }
        let collection = mongoc_client_get_collection(client, "config", coll)!
        defer { mongoc_collection_destroy(collection) }
        let cursor = withBSON(filter) { f in withBSON(opts) { o in mongoc_collection_find_with_opts(collection, f, o, nil)! } }
        return try drain(cursor, command: "find config.\(coll)")
    }

    private func aggregate(collection coll: String, _ pipeline: [BSONDocument]) throws -> [BSONDocument] {
        let collection = mongoc_client_get_collection(client, "config", coll)!
        defer { mongoc_collection_destroy(collection) }
        let cursor = withBSON(Self.pipelineDocument(pipeline)) { mongoc_collection_aggregate(collection, MONGOC_QUERY_NONE, $0, nil, nil)! }
        return try drain(cursor, command: "aggregate config.\(coll)")
    }

    func aggregate(database name: String, _ pipeline: [BSONDocument]) throws -> [BSONDocument] {
        let db = mongoc_client_get_database(client, name)!
        defer { mongoc_database_destroy(db) }
        let cursor = withBSON(Self.pipelineDocument(pipeline)) { mongoc_database_aggregate(db, $0, nil, nil)! }
        return try drain(cursor, command: "aggregate \(name)")
    }

    private static func pipelineDocument(_ stages: [BSONDocument]) -> BSONDocument {
        ["pipeline": .array(stages.map { .document($0) })]
    }

    private func drain(_ cursor: OpaquePointer, command: String) throws -> [BSONDocument] {
        defer { mongoc_cursor_destroy(cursor) }
        var out: [BSONDocument] = []
        var doc: OpaquePointer?
        var started = Date()   // of the current round trip (first batch or getMore)
        while mongoc_cursor_next(cursor, &doc) {
            out.append(try decodeReply(doc!, command: command))
            started = Date()
        }
        var error = bson_error_t()
        if mongoc_cursor_error(cursor, &error) {
            throw convert(error, command: command, started: started, server: Self.isStreamError(error) ? host(of: cursor) : nil)
        }
        return out
    }

    /// The host:port a cursor was sent to, once it was.
    func host(of cursor: OpaquePointer) -> String? {
        var host = mongoc_host_list_t()
        mongoc_cursor_get_host(cursor, &host)
        var hp = host.host_and_port
        let text = withUnsafeBytes(of: &hp) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return text.isEmpty ? nil : text
    }

    static func isStreamError(_ e: bson_error_t) -> Bool { e.domain == MONGOC_ERROR_STREAM.rawValue }

    private func decodeReply(_ bson: OpaquePointer, command: String) throws -> BSONDocument {
        do { return try BSONDocument(bson: bson) } catch {
            throw LoaderError.commandFailed(command: command, code: 0, message: "undecodable reply: \(error)")
        }
    }

    /// Runs a read the picture can do without: a server's refusal (no privilege, unknown command or stage) is a
    /// warning and nil; losing the server still throws.
    func optional<T>(_ name: String, _ warnings: inout [String], _ body: () throws -> T) throws -> T? {
        do { return try body() } catch LoaderError.commandFailed(_, let code, let message) {
            warnings.append("\(name) not available (code \(code): \(message)); shown without it")
            return nil
        }
    }

    /// libmongoc's error as a LoaderError, with every secret of the URI removed. A stream error after the socket
    /// timeout has run out since the request went out (`started`) is a server that answered the handshake but
    /// not this read: `noReply`, naming the server (`server`, else the URI's hosts) and the read.
    func convert(_ e: bson_error_t, command: String, started: Date, server: String?) -> LoaderError {
        let message = Redact.text(e.text, secrets: secrets)
        let serverReply = e.domain == MONGOC_ERROR_SERVER.rawValue || e.domain == MONGOC_ERROR_QUERY.rawValue
        if (e.domain == MONGOC_ERROR_CLIENT.rawValue && e.code == MONGOC_ERROR_CLIENT_AUTHENTICATE.rawValue)
            || (serverReply && e.code == 18) || message.contains("Authentication failed") {
            return .authenticationFailed(hosts: hosts, user: user, reason: message)
        }
        if serverReply { return .commandFailed(command: command, code: Int(e.code), message: message) }
        if Self.isStreamError(e), socketTimeoutSeconds > 0, Date().timeIntervalSince(started) >= socketTimeoutSeconds * 0.9 {
            return .noReply(host: server ?? LoaderError.list(hosts), command: command, timeoutSeconds: socketTimeoutSeconds)
        }
        return .unreachable(hosts: hosts, timeoutSeconds: timeoutSeconds, reason: message)
    }
}
