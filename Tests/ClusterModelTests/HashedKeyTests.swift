import XCTest
@testable import ClusterModel

/// The expected values are the server's own test vectors for hashed indexes (mongo's hasher_test.cpp).
final class HashedKeyTests: XCTestCase {
    func testMD5KnownAnswers() {
        func hex(_ s: String) -> String { var m = MD5(); m.update(Array(s.utf8)); return m.finalize().map { String(format: "%02x", $0) }.joined() }
        XCTAssertEqual(hex(""), "d41d8cd98f00b204e9800998ecf8427e")
        XCTAssertEqual(hex("The quick brown fox jumps over the lazy dog"), "9e107d9d372bb6826bd81d3542a419d6")
        XCTAssertEqual(hex(String(repeating: "a", count: 200)), "887f30b43b2867f4a9accceee7d16e6c")  // several blocks; value from Python hashlib
    }

    func testNumbersSquashToInt64() {
        XCTAssertEqual(HashedKey.hash64(.int32(42)), -944302157085130861)
        XCTAssertEqual(HashedKey.hash64(.double(42.123)), -944302157085130861)
        XCTAssertEqual(HashedKey.hash64(.int64(42)), -944302157085130861)
        XCTAssertEqual(HashedKey.hash64(.int32(0)), 4854801880128277513)
        XCTAssertEqual(HashedKey.hash64(.double(.nan)), 4854801880128277513)
        XCTAssertEqual(HashedKey.hash64(.int32(1)), 5902408780260971510)
        XCTAssertEqual(HashedKey.hash64(.double(-1.789)), 1140205862565771219)
        XCTAssertEqual(HashedKey.hash64(.int32(Int32.min)), 6165898260261354870)
        XCTAssertEqual(HashedKey.hash64(.int32(Int32.max)), 1143184177162245883)
        XCTAssertEqual(HashedKey.hash64(.double(.greatestFiniteMagnitude)), 921523596458303250)
        XCTAssertEqual(HashedKey.hash64(.int64(.max)), 921523596458303250)
        XCTAssertEqual(HashedKey.hash64(.double(-.greatestFiniteMagnitude)), 4532067210535695462)
        XCTAssertEqual(HashedKey.hash64(.int64(.min)), 4532067210535695462)
    }

    func testOtherTypes() {
        XCTAssertEqual(HashedKey.hash64(.minKey), 7961148599568647290)
        XCTAssertEqual(HashedKey.hash64(.maxKey), 5504842513779440750)
        XCTAssertEqual(HashedKey.hash64(.undefined), 40158834000849533)
        XCTAssertEqual(HashedKey.hash64(.string("abc")), 8478485326885698097)
        XCTAssertEqual(HashedKey.hash64(.symbol("abc")), 8478485326885698097)
        XCTAssertEqual(HashedKey.hash64(.string("")), 2049396243249673340)
        XCTAssertEqual(HashedKey.hash64(["a": "abc", "b": .int64(123)]), 4771603801758380216)
        XCTAssertEqual(HashedKey.hash64(.document([:])), 7980500913326740417)
        XCTAssertEqual(HashedKey.hash64(["bar", "baz", "qux"]), -2938911267422831539)
        XCTAssertEqual(HashedKey.hash64(.array([])), 8849948234993459283)
        XCTAssertEqual(HashedKey.hash64(.binary(subtype: 0, data: [0, 1, 2, 3, 4, 6])), 7252465090394235301)
        XCTAssertEqual(HashedKey.hash64(.binary(subtype: 0x80, data: [0, 1, 2, 3, 4, 6])), 5736670452907618262)
        XCTAssertEqual(HashedKey.hash64(.binary(subtype: 4, data: Array(0..<16))), 6084661258071355978)
        XCTAssertEqual(HashedKey.hash64(.objectId(ObjectId(hex: "010203040506070809101112")!)), -5588663249627035708)
        XCTAssertEqual(HashedKey.hash64(.objectId(ObjectId(hex: "000000000000000000000000")!)), -4293118519463489418)
        XCTAssertEqual(HashedKey.hash64(.bool(true)), 6405873908747105701)
        XCTAssertEqual(HashedKey.hash64(.bool(false)), 6289544573401934092)
        XCTAssertEqual(HashedKey.hash64(.date(0x5566778811223344)), 4476222765095560467)
        XCTAssertEqual(HashedKey.hash64(.date(0)), -1178696894582842035)
        XCTAssertEqual(HashedKey.hash64(.regex(pattern: "mongodb", options: "")), -7275792090268217043)
        XCTAssertEqual(HashedKey.hash64(.regex(pattern: ".*", options: "i")), 7095855029187981886)
        XCTAssertEqual(HashedKey.hash64(.javascript("func f() { return 1; }")), 6861638109178014270)
    }
}

final class StoredBoundsTests: XCTestCase {
    func testHashedFieldsAreHashedOthersKept() {
        let key = ShardKey(document: ["region": 1, "deviceId": "hashed"])
        XCTAssertEqual(key.storedBounds(for: ["region": "EU", "deviceId": 42]),
                       ["region": "EU", "deviceId": .int64(-944302157085130861)])
        XCTAssertEqual(key.storedBounds(for: ["region": "EU", "deviceId": .minKey]), ["region": "EU", "deviceId": .minKey])
        let range = ShardKey(document: ["a": 1])
        XCTAssertEqual(range.storedBounds(for: ["a": 42]), ["a": 42])
    }
}
