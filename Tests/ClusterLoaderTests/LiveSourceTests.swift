import XCTest
import Foundation
import ClusterModel
@testable import ClusterLoader

final class LiveSourceTests: XCTestCase {
    /// A 127.0.0.1 port nothing listens on: bound by us, then closed.
    func unusedPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        XCTAssertTrue(ok)
        return UInt16(bigEndian: addr.sin_port)
    }

    func snapshotError(_ uri: String, timeout: TimeInterval) -> (LoaderError?, TimeInterval) {
        let start = Date()
        do {
            let src = try LiveSource(uri: uri, options: LoadOptions(timeout: timeout))
            _ = try src.snapshot(progress: nil)
            return (nil, Date().timeIntervalSince(start))
        } catch let e as LoaderError {
            return (e, Date().timeIntervalSince(start))
        } catch {
            XCTFail("unexpected \(error)")
            return (nil, 0)
        }
    }

    func testUnreachableServerFailsWithinTimeoutNamingHost() throws {
        let port = try unusedPort()
        let (e, elapsed) = snapshotError("mongodb://127.0.0.1:\(port)/", timeout: 1)
        guard case let .unreachable(hosts, timeout, _)? = e else { return XCTFail("expected unreachable, got \(String(describing: e))") }
        XCTAssertEqual(hosts, ["127.0.0.1:\(port)"])
        XCTAssertEqual(timeout, 1)
        XCTAssertLessThan(elapsed, 1 + 2)
        XCTAssertTrue(e!.description.contains("127.0.0.1:\(port)"), e!.description)
        XCTAssertEqual(e!.exitCode, 2)
    }

    func testPasswordNeverInErrorsOrInfo() throws {
        let port = try unusedPort()
        let uri = "mongodb://alice:s3cr%40tPW@127.0.0.1:\(port)/?authSource=admin&serverSelectionTimeoutMS=800"
        let src = try LiveSource(uri: uri, options: LoadOptions(timeout: 5))
        XCTAssertFalse(src.info.display.contains("s3cr"), src.info.display)
        XCTAssertEqual(src.info.kind, .live)
        XCTAssertEqual(src.timeoutSeconds, 0.8)   // the URI's own setting wins
        do { _ = try src.snapshot(progress: nil); XCTFail("no error") } catch {
            let text = "\(error)"
            XCTAssertFalse(text.contains("s3cr"), text)
            XCTAssertTrue(text.contains("127.0.0.1:\(port)"), text)
        }

        // an invalid URI echoes the URI redacted
        XCTAssertThrowsError(try LiveSource(uri: "mongodb://alice:hunter2@127.0.0.1:\(port)/?tls=maybe")) { e in
            guard case LoaderError.invalidURI = e else { return XCTFail("\(e)") }
            XCTAssertFalse("\(e)".contains("hunter2"), "\(e)")
            XCTAssertTrue("\(e)".contains("alice:***@"), "\(e)")
        }
        XCTAssertThrowsError(try LiveSource(uri: "http://nope")) { e in
            guard case LoaderError.invalidURI = e else { return XCTFail("\(e)") }
        }
    }

    func testChunkQueriesUseOneKeyingField() {
        let byUUID = ShardedCollection(ns: "a.b", uuid: Fx.uuid(1), key: ShardKey(document: ["x": .int32(1)]), keying: .uuid(Fx.uuid(1)))
        let byNS = ShardedCollection(ns: "a.c", key: ShardKey(document: ["x": .int32(1)]), keying: .ns("a.c"))
        XCTAssertEqual(LiveSource.owner(byUUID), ["uuid": Fx.uuid(1)])
        XCTAssertEqual(LiveSource.owner(byNS), ["ns": .string("a.c")])
    }
}
