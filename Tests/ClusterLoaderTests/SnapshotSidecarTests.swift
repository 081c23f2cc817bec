import XCTest
import ClusterModel
@testable import ClusterLoader

/// shardscope.json (the snapshot sidecar), Extended JSON in and out, and the DumpWriter pieces `snapshot` uses.
final class SnapshotSidecarTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("shardscope-sidecar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// One value of every BSON type but decimal128.
    static let everyType: BSONDocument = [
        "double": .double(1.5), "wholeDouble": .double(2), "nan": .double(.nan), "inf": .double(-.infinity),
        "string": "tab\there \"quoted\" é 日本 \u{1F600}", "doc": ["a": .int32(1), "b": ["c": .null]],
        "array": [.int32(1), "two", .array([])], "binary": .binary(subtype: 4, data: Array(0..<16)),
        "undefined": .undefined, "oid": .objectId(ObjectId(bytes: Array(1...12))), "bool": false,
        "date": .date(1_795_214_400_123), "negDate": .date(-5), "null": .null,
        "regex": .regex(pattern: "^a.*", options: "i"), "dbPointer": .dbPointer(ref: "db.c", id: ObjectId(bytes: Array(1...12))),
        "code": .javascript("function() {}"), "symbol": .symbol("sym"),
        "codeWithScope": .javascriptWithScope(code: "x", scope: ["x": .int64(1)]),
        "int32": .int32(-7), "timestamp": .timestamp(BSONTimestamp(t: 1_795_214_400, i: 3)), "int64": .int64(1 << 40),
        "smallInt64": .int64(2), "minKey": .minKey, "maxKey": .maxKey, "$weird": "not an operator wrapper",
    ]

    func testCanonicalExtendedJSONRoundTripsEveryType() throws {
        let text = ExtendedJSON.canonical(Self.everyType).serialized(indent: 2)
        let back = try ExtendedJSON.document(try ExtendedJSON.parse(text))
        XCTAssertEqual(back.keys, Self.everyType.keys, "key order kept")
        for (a, b) in zip(back.elements, Self.everyType.elements) {
            if case .double(let x) = a.value, x.isNaN { if case .double(let y) = b.value { XCTAssertTrue(y.isNaN) }; continue }
            XCTAssertEqual(a.value, b.value, a.key)   // int32 stays int32, int64 stays int64, double stays double
        }
        // Canonical spellings, as mongodump and the spec write them.
        XCTAssertTrue(text.contains(#""$numberInt": "-7""#), text)
        XCTAssertTrue(text.contains(#""$numberLong": "2""#), text)
        XCTAssertTrue(text.contains(#""$date": {"#), text)
    }

    func testRelaxedExtendedJSONIsReadToo() throws {
        let doc = try ExtendedJSON.document(try ExtendedJSON.parse(
            #"{"n": 5, "big": 8589934592, "d": 1.0, "e": 1e3, "when": {"$date": "2026-11-20T22:40:00.000Z"}, "s": "\u00e9\ud83d\ude00"}"#))
        XCTAssertEqual(doc["n"], .int32(5))
        XCTAssertEqual(doc["big"], .int64(8_589_934_592))
        XCTAssertEqual(doc["d"], .double(1))
        XCTAssertEqual(doc["e"], .double(1000))
        XCTAssertEqual(doc["when"], .date(1_795_214_400_000))
        XCTAssertEqual(doc["s"], .string("é\u{1F600}"))
    }

    func testMalformedJSONIsAnErrorNotACrash() {
        for bad in ["", "{", #"{"a": }"#, #"{"a": 1,}"#, "[1 2]", #"{"a": "\u12"}"#, #"{"a": {"$numberInt": "x"}}"#,
                    #"{"a": {"$date": true}}"#, "{} x", String(repeating: "[", count: 500)] {
            XCTAssertThrowsError(try ExtendedJSON.document(try ExtendedJSON.parse(bad)), bad)
        }
    }

    func sample() -> SnapshotSidecar {
        SnapshotSidecar(capturedAt: Date(timeIntervalSince1970: 1_795_214_400.5),
                        source: [("kind", "live"), ("uri", "mongodb://bob:***@h:27017/")], serverVersion: "7.0.14",
                        buildInfo: ["version": "7.0.14", "versionArray": [.int32(7), .int32(0), .int32(14), .int32(0)]],
                        balancerStatus: ["mode": "full", "inBalancerRound": true, "numBalancerRounds": .int64(12)],
                        defaultRWConcern: ["defaultReadConcern": ["level": "majority"], "defaultWriteConcern": ["w": .int32(1)]],
                        shardedDataDistribution: [["ns": "db.c", "shards": [["shardName": "s1", "numOrphanedDocs": .int64(0),
                                                                            "numOwnedDocuments": .int64(10), "ownedSizeBytes": .int64(1000),
                                                                            "orphanedSizeBytes": .int64(0)]]]],
                        warnings: ["getDefaultRWConcern not available (code 13: no); shown without it"],
                        collections: [("chunks", 600, 150_000), ("shards", 3, 300)])
    }

    func testSidecarTextRoundTrip() throws {
        let s = sample()
        let text = s.json.serialized(indent: 2)
        let back = try SnapshotSidecar(text: text)
        XCTAssertEqual(back, s)
        XCTAssertEqual(back.capturedAt, s.capturedAt)
        XCTAssertEqual(back.balancerStatus?["numBalancerRounds"], .int64(12))
        XCTAssertEqual(back.collections.map(\.documents), [600, 3])
        XCTAssertTrue(text.contains(#""capturedAt": {"#) && text.contains("2026-11-20T22:40:00.500Z"), text)
    }

    func testSidecarRejectsWhatItCannotRead() {
        XCTAssertThrowsError(try SnapshotSidecar(text: "[]"))
        XCTAssertThrowsError(try SnapshotSidecar(text: #"{"capturedAt": null}"#)) { XCTAssertTrue("\($0)".contains("shardscopeSnapshot")) }
        XCTAssertThrowsError(try SnapshotSidecar(text: #"{"shardscopeSnapshot": 99}"#)) { XCTAssertTrue("\($0)".contains("upgrade")) }
        XCTAssertThrowsError(try SnapshotSidecar(text: #"{"shardscopeSnapshot": 1, "capturedAt": "yesterday"}"#))
        XCTAssertThrowsError(try SnapshotSidecar(text: #"{"shardscopeSnapshot": 1, "balancerStatus": [1]}"#))
        XCTAssertNoThrow(try SnapshotSidecar(text: #"{"shardscopeSnapshot": 1, "futureKey": {"x": 1}}"#), "unknown keys are ignored")
    }

    /// A dump with a sidecar loads as the live source did: server answers, warnings, and the capture time as asOf.
    func testDumpSourceAppliesTheSidecar() throws {
        let writer = try DumpWriter(directory: root)
        try writer.write(collection: "shards", documents: [["_id": "s1", "host": "rs1/h1:27017", "state": .int32(1)]])
        try writer.write(collection: "mongos", documents: [["_id": "m:27017", "ping": .date(1_000_000), "mongoVersion": "7.0.14"]])
        let plain = try DumpSource(path: root.path).snapshot(progress: nil)
        XCTAssertEqual(plain.asOf, Date(timeIntervalSince1970: 1000), "without a sidecar: the newest time in the dump")
        XCTAssertNil(plain.serverVersion)

        try writer.write(sidecar: sample())
        for path in [root.path, root.appendingPathComponent("config").path] {   // found from DIR and from DIR/config
            let snap = try DumpSource(path: path).snapshot(progress: nil)
            XCTAssertEqual(snap.asOf, sample().capturedAt)
            XCTAssertEqual(snap.serverVersion, "7.0.14")
            XCTAssertEqual(snap.balancerStatus?.inBalancerRound, true)
            XCTAssertEqual(snap.defaultRWConcern?["defaultReadConcern"], ["level": "majority"])
            XCTAssertEqual(snap.dataDistribution?["db.c"]?.first?.ownedSizeBytes, 1000)
            XCTAssertTrue(snap.warnings.contains(sample().warnings[0]), "\(snap.warnings)")
            XCTAssertEqual(snap.pingAgeSeconds(snap.mongos[0]).map { Int($0) }, 1_795_214_400 - 1000)
        }
    }

    func testUnreadableSidecarIsAWarning() throws {
        let writer = try DumpWriter(directory: root)
        try writer.write(collection: "shards", documents: [["_id": "s1", "host": "h1:27017"]])
        try Data(#"{"shardscopeSnapshot": 1, "capturedAt": "#.utf8).write(to: root.appendingPathComponent("shardscope.json"))
        let snap = try DumpSource(path: root.path).snapshot(progress: nil)
        XCTAssertEqual(snap.shards.map(\.id), ["s1"])
        XCTAssertNil(snap.serverVersion)
        XCTAssertTrue(snap.warnings.contains { $0.contains("shardscope.json: unreadable") && $0.contains("invalid JSON") }, "\(snap.warnings)")
    }

    // MARK: DumpWriter

    func testMetadataFileIsMongodumpCanonicalJSON() throws {
        let meta = DumpWriter.CollectionMetadata(options: ["capped": true, "size": .int64(209_715_200)],
                                                 indexes: [DumpWriter.CollectionMetadata.idIndex,
                                                           ["v": .int32(2), "key": ["ns": .int32(1), "min": .int32(1)], "name": "ns_1_min_1", "unique": true]],
                                                 uuid: "00112233445566778899aabbccddeeff")
        XCTAssertEqual(meta.json(collection: "changelog"),
                       #"{"options":{"capped":true,"size":{"$numberLong":"209715200"}},"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"},"#
                       + #"{"v":{"$numberInt":"2"},"key":{"ns":{"$numberInt":"1"},"min":{"$numberInt":"1"}},"name":"ns_1_min_1","unique":true}],"#
                       + #""uuid":"00112233445566778899aabbccddeeff","collectionName":"changelog","type":"collection"}"#)
        // No options and no uuid: both omitted, as mongodump omits them.
        XCTAssertEqual(DumpWriter.CollectionMetadata(indexes: [], uuid: nil).json(collection: "x"),
                       #"{"indexes":[],"collectionName":"x","type":"collection"}"#)
    }

    func testRawAppendAndCopyKeepBytes() throws {
        let docs: [BSONDocument] = [["_id": .int32(1), "d": .double(0.1)], ["_id": "two", "t": .timestamp(BSONTimestamp(t: 1, i: 2))]]
        let src = try DumpWriter(directory: root.appendingPathComponent("src"))
        let file = try src.open(collection: "things")
        for d in docs { try BSONEncoder.encode(d).withUnsafeBytes { try file.append(raw: $0) } }
        try file.finish()
        XCTAssertEqual(file.documents, 2)
        XCTAssertEqual(file.bytes, Int64(docs.map { BSONEncoder.encode($0).count }.reduce(0, +)))
        let srcPath = src.configDirectory.appendingPathComponent("things.bson").path
        let original = try Data(contentsOf: URL(fileURLWithPath: srcPath))

        for gzip in [false, true] {
            var dst = try DumpWriter(directory: root.appendingPathComponent("dst-\(gzip)"), gzip: gzip)
            dst.syncFiles = true
            var seen: [Int] = []
            let copied = try dst.copy(collection: "things", from: srcPath) { seen.append($0) }
            XCTAssertEqual(copied.documents, 2)
            XCTAssertEqual(seen.last, 2)
            var back: [BSONDocument] = []
            try BSONFileReader(path: dst.path("things.bson")).forEach { back.append($0) }
            XCTAssertEqual(back, docs)
            if !gzip { XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dst.path("things.bson"))), original) }
        }
    }

    func testCopyRefusesATruncatedFile() throws {
        let bad = root.appendingPathComponent("bad.bson")
        var bytes = BSONEncoder.encode(["_id": .int32(1)] as BSONDocument) + BSONEncoder.encode(["_id": "long enough"] as BSONDocument)
        bytes.removeLast(3)
        try Data(bytes).write(to: bad)
        let dst = try DumpWriter(directory: root.appendingPathComponent("dst"))
        XCTAssertThrowsError(try dst.copy(collection: "bad", from: bad.path)) { e in
            guard case LoaderError.corruptFile(_, let offset, _, _)? = e as? LoaderError else { return XCTFail("\(e)") }
            XCTAssertEqual(offset, Int64(BSONEncoder.encode(["_id": .int32(1)] as BSONDocument).count))
        }
    }

    func testDemoExportSidecarDatesTheDemo() throws {
        let demo = DemoCluster(seed: 2, shape: .v7_0, totalChunks: 120)
        let writer = try DumpWriter(directory: root)
        var done: [String] = []
        let sidecar = try writer.export(demo, display: "demo (seed 2)") { p in if p.done { done.append(p.collection) } }
        XCTAssertEqual(done, DemoCluster.collectionNames)
        XCTAssertEqual(sidecar.capturedAt, demo.now)
        XCTAssertEqual(sidecar.collections.first { $0.name == "chunks" }?.documents, 120)
        try writer.write(sidecar: sidecar)
        let fromFiles = try DumpSource(path: root.path).snapshot(progress: nil)
        var live = try DemoSource(seed: 2, totalChunks: 120).snapshot(progress: nil)
        live.source = fromFiles.source
        XCTAssertEqual(fromFiles, live, "a demo snapshot loads as the demo itself")
    }
}
