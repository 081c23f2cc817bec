import XCTest
import Foundation
import ClusterModel
@testable import ClusterLoader

final class ShardProbeTests: XCTestCase {
    /// Every host of every shard is probed at the same time: 4 shards of 3 hosts that each take `delay` to
    /// answer cost about one `delay`, not one per host or per CPU (nested `concurrentPerform` took ~6× here).
    func testSlowHostsCostOneTimeoutInAll() throws {
        let delay = 0.6
        var probe = try ShardProbe(uri: "mongodb://u:pw@mongos:27017/?authSource=admin", timeout: delay)
        let calls = ProbeCounter()
        probe.helloOverride = { host in
            calls.add()
            Thread.sleep(forTimeInterval: delay)
            return HostProbe(host: host, error: "unreachable (fake): \(host)")
        }
        let shards = (0..<4).map { s in
            Shard(id: "sh\(s)", host: "rs\(s)/" + (0..<3).map { "h\(s)-\($0).example:27018" }.joined(separator: ","))
        }
        let start = Date()
        let result = probe.probe(shards)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(calls.value, 12)
        XCTAssertLessThan(elapsed, 2.5 * delay, "12 slow hosts took \(elapsed) s")
        // Assembled per shard, in order, each with its own hosts.
        XCTAssertEqual(result.map(\.shard), ["sh0", "sh1", "sh2", "sh3"])
        for (s, p) in result.enumerated() {
            XCTAssertEqual(p.hosts.map(\.host), (0..<3).map { "h\(s)-\($0).example:27018" })
            XCTAssertTrue(p.hosts.allSatisfy { !$0.reachable })
            XCTAssertNil(p.members)
        }
    }

    func testConcurrentlyCapsThreadsAndRunsEveryIndex() {
        let seen = ProbeCounter(), running = ProbeCounter()
        let peak = ProbeCounter()
        ShardProbe.concurrently(40, limit: 8) { _ in
            let now = running.add()
            peak.max(now)
            Thread.sleep(forTimeInterval: 0.02)
            running.add(-1)
            seen.add()
        }
        XCTAssertEqual(seen.value, 40)
        XCTAssertLessThanOrEqual(peak.value, 8)
        XCTAssertGreaterThan(peak.value, 1)
    }

    func testHostValidation() {
        for ok in ["h1.example.com:27018", "10.0.0.1:27017", "host_a-b", "[::1]:27017", "[fe80::1]", "[::ffff:10.0.0.1]:1"] {
            XCTAssertNil(ShardProbe.invalidHost(ok), ok)
        }
        for bad in ["", "h1:27017/?authMechanism=PLAIN&tls=false", "evil.example@h1:27017", "h1,h2", "h1?tls=false",
                    "h1&x=y", "h 1", "h1%2F", "[::1", "[::1]x", "[::1]:", "[::1]:27a", "[h1@x]:1", "h1\u{1b}[2J"] {
            XCTAssertNotNil(ShardProbe.invalidHost(bad), bad)
        }
        XCTAssertEqual(ShardProbe.invalidHost("a\u{1b}b"), "invalid host in config.shards: a\\x1bb")
    }

    /// A host that could inject URI options or redirect credentials is never connected to: it becomes that
    /// host's error, and the other hosts of the shard are still probed.
    func testInvalidHostBecomesItsProbeError() throws {
        var probe = try ShardProbe(uri: "mongodb://u:pw@mongos:27017/", timeout: 1)
        let asked = ProbeCounter()
        probe.helloOverride = { host in asked.add(); return HostProbe(host: host, error: "fake") }
        let shard = Shard(id: "sh0", host: "rs0/good:27018,evil:1/?authMechanism=PLAIN&tls=false,x@attacker:1")
        let p = probe.probe(shard)
        XCTAssertEqual(asked.value, 1)
        XCTAssertEqual(p.hosts.count, 3)
        XCTAssertEqual(p.hosts[0].error, "fake")
        XCTAssertEqual(p.hosts[1].error, "invalid host in config.shards: evil:1/?authMechanism=PLAIN&tls=false")
        XCTAssertEqual(p.hosts[2].error, "invalid host in config.shards: x@attacker:1")
        XCTAssertThrowsError(try probe.command(["ping": .int32(1)], host: "x@attacker:1", authenticated: true)) { e in
            XCTAssertTrue("\(e)".contains("invalid host in config.shards"), "\(e)")
            XCTAssertFalse("\(e)".contains("pw"), "\(e)")
        }
    }
}

/// A thread-safe counter for the probe tests.
final class ProbeCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    @discardableResult func add(_ d: Int = 1) -> Int { lock.lock(); defer { lock.unlock() }; n += d; return n }
    func max(_ v: Int) { lock.lock(); if v > n { n = v }; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}
