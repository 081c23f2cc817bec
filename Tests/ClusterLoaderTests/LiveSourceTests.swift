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

    func testNoReplyNamesServerReadAndSocketTimeout() {
        let e = LoaderError.noReply(host: "127.0.0.1:27017", command: "find config.chunks", timeoutSeconds: 6)
        XCTAssertEqual(e.description, "server 127.0.0.1:27017 did not answer 'find config.chunks' within 6 s; raise --timeout or check the server")
        XCTAssertEqual(e.exitCode, 2)
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

/// LiveSource against the project's fake mongos (scripts/testpeer.py) serving a dump this test writes:
/// the same picture as DumpSource on that dump, through allowed read commands only.
final class LiveSourcePeerTests: XCTestCase {
    static let allowed: Set<String> = ["find", "getMore", "killCursors", "aggregate", "hello", "isMaster", "ismaster",
                                       "buildInfo", "buildinfo", "balancerStatus", "getDefaultRWConcern", "saslStart", "saslContinue", "endSessions"]

    func testLiveMatchesDumpThroughTestPeer() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = repo.appendingPathComponent("scripts/testpeer.py")
        guard FileManager.default.fileExists(atPath: script.path) else { throw XCTSkip("scripts/testpeer.py not found") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shardscope-peer-\(UUID().uuidString)")
        let config = dir.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Fx.writeMixedDump(in: config)

        let portFile = dir.appendingPathComponent("port").path, log = dir.appendingPathComponent("peer.log").path
        let peer = Process()
        peer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        peer.arguments = ["python3", script.path, "--dump", dir.path, "--port-file", portFile, "--log", log]
        peer.standardOutput = FileHandle.nullDevice
        peer.standardError = FileHandle.nullDevice   // a pipe held by the peer would keep `swift test` waiting
        try peer.run()
        defer { peer.terminate(); peer.waitUntilExit() }
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: portFile) {
            guard peer.isRunning, Date() < deadline else { throw XCTSkip("test peer did not start (python deps missing?)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let port = try String(contentsOfFile: portFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)

        let live = try LiveSource(uri: "mongodb://127.0.0.1:\(port)/", options: LoadOptions(changelogLimit: 3, timeout: 5))
        let dump = try DumpSource(path: dir.path, options: LoadOptions(changelogLimit: 3))
        var a = try live.snapshot(progress: nil), b = try dump.snapshot(progress: nil)
        XCTAssertEqual(a.serverVersion, "7.0.14")
        a.source = b.source; a.asOf = b.asOf
        a.serverVersion = nil; a.balancerStatus = nil; a.defaultRWConcern = nil; a.dataDistribution = nil; a.warnings = []
        b.warnings = []
        XCTAssertEqual(a, b)

        let orders = try XCTUnwrap(b.collection("app.orders")), events = try XCTUnwrap(b.collection("logs.events"))
        for c in [orders, events] {
            let pageL = try live.chunks(of: c, after: nil, limit: 2), pageD = try dump.chunks(of: c, after: nil, limit: 2)
            XCTAssertEqual(pageL, pageD)
            XCTAssertEqual(try live.chunks(of: c, after: pageL.last?.min, limit: 10), try dump.chunks(of: c, after: pageD.last?.min, limit: 10))
        }
        XCTAssertEqual(try live.chunk(of: orders, containing: ["x": .int32(25)]), try dump.chunk(of: orders, containing: ["x": .int32(25)]))
        let since = Date(timeIntervalSince1970: TimeInterval(Fx.t0 + 15))
        XCTAssertEqual(try live.changelog(newerThan: since, limit: 10).map(\.id), try dump.changelog(newerThan: since, limit: 10).map(\.id))

        let commands = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap { line -> String? in
            let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return obj?["command"] as? String
        }
        XCTAssertFalse(commands.isEmpty)
        XCTAssertEqual(Set(commands).subtracting(Self.allowed), [], "\(commands)")
    }
}
