import Foundation
import ClusterModel

/// `shardscope.json`, written by `shardscope snapshot` beside the dump's `config/` folder: what a live load
/// reads outside the config collections (they are in no collection, so a plain mongodump lacks them).
/// Command answers are kept as canonical Extended JSON, so every BSON type survives; a refused command is
/// `null`, and the warning the live load gave for it is in `warnings`.
///
///     {"shardscopeSnapshot": 1, "capturedAt": {"$date": "…"}, "source": {…}, "serverVersion": "7.0.14",
///      "buildInfo": {…}, "balancerStatus": {…}, "defaultRWConcern": {…}, "shardedDataDistribution": […],
///      "warnings": […], "collections": {"chunks": {"documents": N, "bytes": B}, …}}
public struct SnapshotSidecar: Equatable, Sendable {
    public static let fileName = "shardscope.json"
    public static let formatVersion = 1

    /// When the capture started, by the server's clock (`hello.localTime`), as a live load dates its picture.
    /// A dump reading the snapshot dates it so. nil: unknown (a copy of a plain dump).
    public var capturedAt: Date?
    /// What was captured: `{"kind": "live", "uri": <redacted>}`, `{"kind": "dump", "path": …}` or `{"kind": "demo", …}`.
    public var source: [(String, String)]
    public var serverVersion: String?
    public var buildInfo: BSONDocument?
    public var balancerStatus: BSONDocument?
    public var defaultRWConcern: BSONDocument?
    public var shardedDataDistribution: [BSONDocument]?
    /// Warnings the capture's server reads gave (a refused `balancerStatus` …), replayed when the snapshot is read.
    public var warnings: [String]
    /// What the capture could not record but a load does not need (refused listIndexes …): shown, never replayed.
    public var notes: [String] = []
    /// Documents and (uncompressed) bytes written per collection.
    public var collections: [(name: String, documents: Int, bytes: Int64)]

    public init(capturedAt: Date? = nil, source: [(String, String)] = [], serverVersion: String? = nil, buildInfo: BSONDocument? = nil,
                balancerStatus: BSONDocument? = nil, defaultRWConcern: BSONDocument? = nil,
                shardedDataDistribution: [BSONDocument]? = nil, warnings: [String] = [],
                collections: [(name: String, documents: Int, bytes: Int64)] = []) {
        self.capturedAt = capturedAt; self.source = source; self.serverVersion = serverVersion; self.buildInfo = buildInfo
        self.balancerStatus = balancerStatus; self.defaultRWConcern = defaultRWConcern
        self.shardedDataDistribution = shardedDataDistribution; self.warnings = warnings; self.collections = collections
    }

    public static func == (a: SnapshotSidecar, b: SnapshotSidecar) -> Bool { a.json == b.json }

    /// Fields a server adds to every reply that say nothing about the cluster.
    static let replyNoise: Set<String> = ["ok", "$clusterTime", "operationTime"]
    /// A command's answer as kept in the sidecar.
    public static func answer(_ reply: BSONDocument) -> BSONDocument {
        BSONDocument(reply.elements.filter { !replyNoise.contains($0.key) })
    }

    // MARK: JSON

    public var json: JSONValue {
        let millis = capturedAt.map(ISO8601.millis)
        return .object([
            ("shardscopeSnapshot", .int(Int64(Self.formatVersion))),
            ("capturedAt", millis.map { BSONValue.date($0).relaxedExtendedJSON } ?? .null),
            ("source", .object(source.map { ($0.0, .string($0.1)) })),
            ("serverVersion", .optional(serverVersion)),
            ("buildInfo", buildInfo.map(ExtendedJSON.canonical) ?? .null),
            ("balancerStatus", balancerStatus.map(ExtendedJSON.canonical) ?? .null),
            ("defaultRWConcern", defaultRWConcern.map(ExtendedJSON.canonical) ?? .null),
            ("shardedDataDistribution", shardedDataDistribution.map { .array($0.map(ExtendedJSON.canonical)) } ?? .null),
            ("warnings", .array(warnings.map(JSONValue.string))),
            ("notes", .array(notes.map(JSONValue.string))),
            ("collections", .object(collections.map { ($0.name, .object([("documents", .int(Int64($0.documents))), ("bytes", .int($0.bytes))])) })),
        ])
    }

    public struct FormatError: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// Reads the text of a `shardscope.json`. Unknown keys are ignored (a newer writer may add some).
    public init(text: String) throws {
        let j = try ExtendedJSON.parse(text)
        guard case .object = j else { throw FormatError(reason: "not a JSON object") }
        guard case .int(let version)? = j["shardscopeSnapshot"] else { throw FormatError(reason: "no \"shardscopeSnapshot\" format number") }
        guard version <= Self.formatVersion else {
            throw FormatError(reason: "format \(version) is newer than this shardscope reads (\(Self.formatVersion)); upgrade shardscope")
        }
        func doc(_ key: String) throws -> BSONDocument? {
            switch j[key] {
            case nil, .null?: return nil
            case let v?:
                do { return try ExtendedJSON.document(v) } catch { throw FormatError(reason: "\"\(key)\": \(error)") }
            }
        }
        self.init()
        switch j["capturedAt"] {
        case nil, .null?: capturedAt = nil
        case let v?:
            guard case .date(let ms)? = try? ExtendedJSON.bson(v) else { throw FormatError(reason: "\"capturedAt\" is not a date") }
            capturedAt = Date(timeIntervalSince1970: Double(ms) / 1000)
        }
        if case .object(let pairs)? = j["source"] {
            source = pairs.compactMap { k, v in if case .string(let s) = v { return (k, s) }; return nil }
        }
        switch j["serverVersion"] {
        case nil, .null?: serverVersion = nil
        case .string(let s)?: serverVersion = s
        default: throw FormatError(reason: "\"serverVersion\" is not a string")
        }
        buildInfo = try doc("buildInfo")
        balancerStatus = try doc("balancerStatus")
        defaultRWConcern = try doc("defaultRWConcern")
        switch j["shardedDataDistribution"] {
        case nil, .null?: shardedDataDistribution = nil
        case .array(let items)?:
            do { shardedDataDistribution = try items.map(ExtendedJSON.document) }
            catch { throw FormatError(reason: "\"shardedDataDistribution\": \(error)") }
        default: throw FormatError(reason: "\"shardedDataDistribution\" is not an array")
        }
        if case .array(let ws)? = j["warnings"] {
            warnings = ws.compactMap { if case .string(let s) = $0 { return s }; return nil }
        }
        if case .array(let ns)? = j["notes"] {
            notes = ns.compactMap { if case .string(let s) = $0 { return s }; return nil }
        }
        if case .object(let pairs)? = j["collections"] {
            collections = pairs.map { name, v in
                var docs = 0, bytes: Int64 = 0
                if case .int(let d)? = v["documents"] { docs = Int(d) }
                if case .int(let b)? = v["bytes"] { bytes = b }
                return (name, docs, bytes)
            }
        }
    }

    // MARK: reading beside a dump

    /// The sidecar of the dump whose `<coll>.bson` files are in `configDirectory`: `shardscope.json` in it, or in
    /// its parent when it is a `config/` folder. nil when there is none; a sidecar that cannot be read is a
    /// warning (the dump still loads, without what the sidecar would have added).
    public static func load(forDumpIn configDirectory: URL, warnings: inout [String]) -> SnapshotSidecar? {
        var candidates = [configDirectory.appendingPathComponent(fileName)]
        if configDirectory.lastPathComponent == "config" {
            candidates.insert(configDirectory.deletingLastPathComponent().appendingPathComponent(fileName), at: 0)
        }
        guard let url = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else { return nil }
        do {
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw FormatError(reason: "cannot read it: \(String(cString: strerror(errno)))")
            }
            guard let text = String(data: data, encoding: .utf8) else { throw FormatError(reason: "not UTF-8 text") }
            return try SnapshotSidecar(text: text)
        } catch {
            warnings.append("\(url.path): unreadable (\(error)); loaded without the server status it would add")
            return nil
        }
    }

    /// Puts what the capture's server said into `raw`, as a live load would have.
    public func apply(to raw: inout RawConfig) {
        raw.buildInfo = buildInfo ?? serverVersion.map { ["version": .string($0)] }
        raw.balancerStatus = balancerStatus
        raw.defaultRWConcern = defaultRWConcern
        raw.shardedDataDistribution = shardedDataDistribution
        raw.warnings += warnings
    }
}
