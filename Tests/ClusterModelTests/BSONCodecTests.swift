import XCTest
@testable import ClusterModel

final class BSONCodecTests: XCTestCase {
    let sample: BSONDocument = [
        "_id": .objectId(ObjectId(hex: "5f1b2c3d4e5f60718293a4b5")!),
        "s": .string("héllo 世界"),
        "d": .double(1.5), "i": .int32(-7), "l": .int64(1 << 40),
        "b": .bool(true), "n": .null,
        "t": .timestamp(BSONTimestamp(t: 12, i: 3)),
        "when": .date(1_763_647_380_000),
        "arr": .array([.int32(1), .string("x"), .document(["k": .minKey])]),
        "bin": .binary(subtype: 4, data: Array(0..<16)),
        "bounds": .document(["min": .minKey, "max": .maxKey]),
        "re": .regex(pattern: "^a", options: "i"),
        "dec": .decimal128([0x01] + [UInt8](repeating: 0, count: 13) + [0x40, 0x30]),
    ]

    func testRoundTrip() throws {
        let bytes = BSONEncoder.encode(sample)
        XCTAssertEqual(try BSONDecoder.decode(bytes), sample)
    }

    /// The encoding of {"a": 1} is fixed by the BSON spec; check against the spec's bytes, not our own decoder.
    func testEncodingMatchesSpecBytes() {
        XCTAssertEqual(BSONEncoder.encode(["a": .int32(1)]), [0x0C, 0, 0, 0, 0x10, 0x61, 0, 1, 0, 0, 0, 0])
    }

    func testTruncatedDocumentReportsOffset() {
        let bytes = BSONEncoder.encode(sample)
        XCTAssertThrowsError(try BSONDecoder.decode(Array(bytes.prefix(bytes.count - 10)))) { error in
            let e = error as! BSONDecodeError
            XCTAssertEqual(e.offset, 0)  // the outer length claims more bytes than there are
            XCTAssertTrue(e.reason.contains("truncated"), e.reason)
        }
    }

    func testUnknownTypeReportsItsOffset() {
        var bytes = BSONEncoder.encode(["a": .int32(1), "b": .int32(2)])
        // Element "b" starts at 4 (length) + 7 (first element: type, "a\0", int32) = 11.
        XCTAssertEqual(bytes[11], 0x10)
        bytes[11] = 0x42
        XCTAssertThrowsError(try BSONDecoder.decode(bytes)) { error in
            XCTAssertEqual((error as! BSONDecodeError).offset, 11)
        }
    }

    func testGarbageNeverTraps() {
        var rng = SystemRandomNumberGenerator()
        let base = BSONEncoder.encode(sample)
        for _ in 0..<2000 {
            var b = base
            for _ in 0..<3 { b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            _ = try? BSONDecoder.decode(b)
            _ = try? BSONDecoder.decode(Array(b.prefix(Int.random(in: 0..<b.count, using: &rng))))
        }
    }

    func testDeepNestingIsAnErrorNotACrash() {
        var doc: BSONDocument = ["x": .int32(1)]
        for _ in 0..<150 { doc = ["d": .document(doc)] }
        XCTAssertThrowsError(try BSONDecoder.decode(BSONEncoder.encode(doc)))
    }
}

final class BSONOrderTests: XCTestCase {
    func testCrossTypeOrder() {
        let ordered: [BSONValue] = [.minKey, .null, .int32(-5), .double(2.5), .int64(3), .string("a"), .string("b"),
                                    .document(["a": .int32(1)]), .array([]), .binary(subtype: 0, data: [1]),
                                    .objectId(ObjectId(hex: "000000000000000000000001")!), .bool(false), .bool(true),
                                    .date(0), .timestamp(BSONTimestamp(t: 1, i: 0)), .regex(pattern: "a", options: ""), .maxKey]
        for i in ordered.indices {
            for j in ordered.indices {
                let c = BSONValue.compare(ordered[i], ordered[j])
                XCTAssertEqual(c, i < j ? -1 : (i == j ? 0 : 1), "\(ordered[i]) vs \(ordered[j])")
            }
        }
    }

    func testTypesOrderByServerCanonicalType() {
        // canonicalizeBSONType: undefined 0 < null 5, and code (60) < code with scope (65).
        XCTAssertEqual(BSONValue.compare(.undefined, .null), -1)
        XCTAssertEqual(BSONValue.compare(.javascript("x"), .javascriptWithScope(code: "x", scope: [:])), -1)
    }

    func testNumbersCompareAcrossTypes() {
        XCTAssertEqual(BSONValue.compare(.int32(3), .double(3.0)), 0)
        XCTAssertEqual(BSONValue.compare(.int64(2), .double(2.5)), -1)
    }

    func testChunkContainsCompoundKey() {
        let chunk = Chunk(id: .string("c"), min: ["region": .string("EU"), "id": .minKey],
                          max: ["region": .string("EU"), "id": .int32(100)], shard: "s0")
        XCTAssertTrue(chunk.contains(["region": .string("EU"), "id": .int32(5)]))
        XCTAssertFalse(chunk.contains(["region": .string("EU"), "id": .int32(100)]))
        XCTAssertFalse(chunk.contains(["region": .string("US"), "id": .int32(1)]))
    }
}

final class ExtendedJSONTests: XCTestCase {
    func testRelaxedForms() {
        let doc: BSONDocument = ["min": .minKey, "max": .maxKey, "oid": .objectId(ObjectId(hex: "5f1b2c3d4e5f60718293a4b5")!),
                                 "ts": .timestamp(BSONTimestamp(t: 5, i: 1)), "d": .date(0), "n": .int64(7), "f": .double(1.0)]
        XCTAssertEqual(doc.relaxedExtendedJSON.serialized(indent: 0),
                       #"{"min":{"$minKey":1},"max":{"$maxKey":1},"oid":{"$oid":"5f1b2c3d4e5f60718293a4b5"},"ts":{"$timestamp":{"t":5,"i":1}},"d":{"$date":"1970-01-01T00:00:00.000Z"},"n":7,"f":1.0}"#)
    }

    func testJSONEscapesControlCharacters() {
        XCTAssertEqual(JSONValue.string("a\u{1b}[31m\"\n").serialized(), #""a\u001b[31m\"\n""#)
    }

    func testSerializedJSONParsesWithFoundation() throws {
        let v: JSONValue = ["a": [1, "x", true, .null], "b": .double(0.25), "c": ["d": "é"]]
        let parsed = try JSONSerialization.jsonObject(with: Data(v.serialized().utf8)) as! [String: Any]
        XCTAssertEqual((parsed["c"] as! [String: String])["d"], "é")
        XCTAssertEqual(parsed["b"] as! Double, 0.25)
    }

    func testDecimal128Text() {
        // 1 with exponent 0: coefficient 1, biased exponent 6176 → high word 0x3040000000000000.
        XCTAssertEqual(Decimal128Text.string([1] + [UInt8](repeating: 0, count: 13) + [0x40, 0x30]), "1")
        // 12345 × 10^-2.
        var b = [UInt8](repeating: 0, count: 16)
        b[0] = 0x39; b[1] = 0x30
        b[14] = 0x3C; b[15] = 0x30  // exponent 6174 << 49
        XCTAssertEqual(Decimal128Text.string(b), "123.45")
    }
}

final class SafetyTests: XCTestCase {
    func testRedactUserinfoPassword() {
        XCTAssertEqual(Redact.uri("mongodb://admin:s3cr%40t@h1:27017,h2/?tls=true"), "mongodb://admin:***@h1:27017,h2/?tls=true")
        XCTAssertEqual(Redact.uri("mongodb+srv://u:p@cluster0.example.net"), "mongodb+srv://u:***@cluster0.example.net")
        XCTAssertEqual(Redact.uri("mongodb://h1:27017/?password=zz&x=1"), "mongodb://h1:27017/?password=***&x=1")
        XCTAssertEqual(Redact.uri("mongodb://user@h1"), "mongodb://user@h1")
    }

    func testRedactTextScrubsEncodedAndDecodedForms() {
        let secret = Redact.password(in: "mongodb://u:p%40ss@h")!
        XCTAssertEqual(secret, "p%40ss")
        XCTAssertEqual(Redact.text("auth with p@ss and p%40ss failed", secrets: [secret]), "auth with *** and *** failed")
    }

    func testSafeTextEscapesTerminalControls() {
        XCTAssertEqual(SafeText.escaped("db.\u{1b}]0;pwned\u{07}x"), "db.\\x1b]0;pwned\\x07x")
        XCTAssertEqual(SafeText.escaped("a\u{9b}31m"), "a\\u{9b}31m")
        XCTAssertEqual(SafeText.escaped("日本 ok"), "日本 ok")
    }
}

final class SnapshotLogicTests: XCTestCase {
    func testBalancerWindowWrapsMidnight() {
        let utc = TimeZone(identifier: "UTC")!
        func at(_ h: Int, _ m: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(h * 3600 + m * 60)) }
        XCTAssertEqual(BalancerWindow.contains(start: "23:00", stop: "06:00", date: at(23, 30), timeZone: utc), true)
        XCTAssertEqual(BalancerWindow.contains(start: "23:00", stop: "06:00", date: at(5, 59), timeZone: utc), true)
        XCTAssertEqual(BalancerWindow.contains(start: "23:00", stop: "06:00", date: at(6, 0), timeZone: utc), false)
        XCTAssertEqual(BalancerWindow.contains(start: "01:00", stop: "03:00", date: at(2, 0), timeZone: utc), true)
        XCTAssertEqual(BalancerWindow.contains(start: "01:00", stop: "03:00", date: at(12, 0), timeZone: utc), false)
        XCTAssertNil(BalancerWindow.contains(start: "25:00", stop: "03:00", date: at(2, 0), timeZone: utc))
    }

    func testStaleMongosIsMeasuredFromNewestPing() {
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        let s = ClusterSnapshot(source: SourceInfo(kind: .dump, display: "x"), asOf: t0.addingTimeInterval(500), mongos: [
            Mongos(host: "a:27017", ping: t0), Mongos(host: "b:27017", ping: t0.addingTimeInterval(-61)),
            Mongos(host: "c:27017", ping: t0.addingTimeInterval(-59)), Mongos(host: "d:27017"),
        ])
        XCTAssertEqual(s.mongos.map(s.isStale), [false, true, false, true])
        XCTAssertEqual(s.pingAgeSeconds(s.mongos[0]), 500)
    }

    func testImbalanceCountsShardsWithoutChunks() {
        let s = ClusterSnapshot(source: SourceInfo(kind: .demo, display: "d"), asOf: Date(),
                                shards: [Shard(id: "a", host: "a:1"), Shard(id: "b", host: "b:1"), Shard(id: "c", host: "c:1")],
                                distribution: ["db.c": [ShardChunkCount(shard: "a", chunks: 10), ShardChunkCount(shard: "b", chunks: 4)]])
        XCTAssertEqual(s.imbalance(for: "db.c"), 10)
        XCTAssertEqual(s.chunksPerShard.map(\.chunks), [10, 4, 0])
        // Shard c draining: it is meant to empty, so only a and b count.
        var draining = s
        draining.shards[2].draining = true
        XCTAssertEqual(draining.imbalance(for: "db.c"), 6)
    }

    func testShardHostParsing() {
        XCTAssertEqual(Shard(id: "s", host: "rs0/a:1,b:2").replicaSet, "rs0")
        XCTAssertEqual(Shard(id: "s", host: "rs0/a:1,b:2").members, ["a:1", "b:2"])
        XCTAssertNil(Shard(id: "s", host: "a:1").replicaSet)
        XCTAssertEqual(ShardKey(document: ["region": .int32(1), "uid": .string("hashed")]).description, "{ region: 1, uid: 'hashed' }")
    }
}
