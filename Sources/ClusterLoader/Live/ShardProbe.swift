import Foundation
import CMongoC
import ClusterModel

/// Read-only replica-set probing of each shard (`audit --probe-shards`, `ui --probe-shards`): a direct connection
/// to every host listed in `config.shards`, sending only `hello` to each and `replSetGetStatus` to one member that
/// answered; the config servers likewise, found with `getShardMap`. Credentials, TLS and other options come from the cluster's URI; only the host list changes.
/// A host that cannot be reached becomes part of the result, never an error.
public struct ShardProbe: Sendable {
    let uri: String
    let timeout: TimeInterval
    let secrets: [String]
    /// Tests: stands in for the network `hello` of one host (a fake slow or unreachable host).
    var helloOverride: (@Sendable (String) -> HostProbe)?

    public init(uri: String, timeout: TimeInterval = 5) throws {
        guard uri.hasPrefix("mongodb://") || uri.hasPrefix("mongodb+srv://") else {
            throw LoaderError.invalidURI(uri: Redact.uri(uri), reason: "shard probing needs a mongodb:// URI")
        }
        self.uri = uri
        self.timeout = timeout
        var secrets = [Redact.password(in: uri)].compactMap { $0 }
        if let pw = Self.userinfo(uri)?.split(separator: ":", maxSplits: 1).dropFirst().first,
           let decoded = String(pw).removingPercentEncoding, !decoded.isEmpty { secrets.append(decoded) }
        self.secrets = secrets
    }

    /// The shards and the config server replica set (its hosts from `getShardMap` on the cluster: one more read-only
    /// command, sent through the URI as given). An 8.0 config shard is the same set: probed once, as the shard.
    public func probeCluster(_ shards: [Shard]) -> [ReplicaSetProbe] {
        let config = Results<ReplicaSetProbe>(count: 1)
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            if let p = configServers(besides: shards) { config.set(0, p) }
        }
        let list = probe(shards)
        group.wait()
        return list + config.values.compactMap { $0 }
    }

    /// The config server replica set probed, nil when it is one of `shards` (an 8.0 config shard).
    func configServers(besides shards: [Shard]) -> ReplicaSetProbe? {
        do {
            let map = try command(["getShardMap": .int32(1)], uriText: uri)
            guard let host = map["map"]?.documentValue?["config"]?.stringValue else { return .configNotProbed("getShardMap names no config servers") }
            let cfg = Shard(id: ReplicaSetProbe.configServers, host: host)
            if shards.contains(where: { $0.replicaSet != nil && $0.replicaSet == cfg.replicaSet }) { return nil }
            var p = probe(cfg)
            p.isConfigSet = true
            return p
        } catch {
            return .configNotProbed("getShardMap: \(error)")
        }
    }

    /// Every shard at once: one blocking `hello` per host of every shard, each on its own thread (at most
    /// `maxThreads` at a time), then `replSetGetStatus` for every shard at once; so unreachable hosts cost about
    /// one timeout in all, not one per host or per CPU (`DispatchQueue.concurrentPerform` runs about one
    /// iteration per CPU, and GCD's global pool can be limited too).
    public func probe(_ shards: [Shard]) -> [ReplicaSetProbe] {
        let members = shards.map(\.members)
        let hosts = members.flatMap { $0 }
        let answers = Results<HostProbe>(count: hosts.count)
        Self.concurrently(hosts.count) { i in answers.set(i, hello(hosts[i])) }
        let all = answers.values
        var k = 0
        let perShard = members.map { m -> [HostProbe] in
            defer { k += m.count }
            return all[k..<k + m.count].compactMap { $0 }
        }
        let results = Results<ReplicaSetProbe>(count: shards.count)
        Self.concurrently(shards.count) { i in results.set(i, status(shards[i], hellos: perShard[i])) }
        return results.values.compactMap { $0 }
    }

    /// At most this many probe threads at once.
    static let maxThreads = 64

    /// Runs `body(0..<count)` each on its own thread, at most `limit` at a time, and waits for all of them.
    static func concurrently(_ count: Int, limit: Int = maxThreads, _ body: @escaping @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        if count == 1 { body(0); return }
        let slots = DispatchSemaphore(value: max(1, limit))
        let group = DispatchGroup()
        for i in 0..<count {
            slots.wait()
            group.enter()
            let thread = Thread {
                body(i)
                slots.signal()
                group.leave()
            }
            thread.start()
        }
        group.wait()
    }

    private final class Results<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [T?]
        init(count: Int) { storage = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ v: T) { lock.lock(); storage[i] = v; lock.unlock() }
        var values: [T?] { lock.lock(); defer { lock.unlock() }; return storage }
    }

    public func probe(_ shard: Shard) -> ReplicaSetProbe { probe([shard])[0] }

    /// One shard's result from its members' `hello` answers: `replSetGetStatus` on one member that answered.
    func status(_ shard: Shard, hellos: [HostProbe]) -> ReplicaSetProbe {
        var result = ReplicaSetProbe(shard: shard.id, hosts: hellos)
        // replSetGetStatus on one member that answered: the primary if any, else a data-bearing one, else any.
        let order = hellos.filter(\.reachable).sorted { rank($0) < rank($1) }
        guard shard.replicaSet != nil, let target = order.first else { return result }
        do {
            let reply = try command(["replSetGetStatus": .int32(1)], host: target.host, authenticated: true)
            result.members = (reply["members"]?.arrayValue ?? []).compactMap { v -> MemberStatus? in
                guard let d = v.documentValue, let name = d["name"]?.stringValue else { return nil }
                return MemberStatus(name: name, state: Int(d["state"]?.int64Value ?? -1), stateStr: d["stateStr"]?.stringValue ?? "?",
                                    health: d["health"]?.doubleValue ?? 1, optime: d["optimeDate"]?.dateValue)
            }
            result.votingMembers = reply["votingMembersCount"]?.int64Value.map { Int($0) }
            result.writableVotingMembers = reply["writableVotingMembersCount"]?.int64Value.map { Int($0) }
            result.writeMajority = reply["writeMajorityCount"]?.int64Value.map { Int($0) }
        } catch {
            result.statusError = String(describing: error)
        }
        return result
    }

    private func rank(_ h: HostProbe) -> Int { h.isWritablePrimary ? 0 : h.secondary ? 1 : h.arbiterOnly ? 3 : 2 }

    /// `hello` needs no authentication (and an arbiter has no users): it goes without credentials.
    func hello(_ host: String) -> HostProbe {
        if let invalid = Self.invalidHost(host) { return HostProbe(host: host, error: invalid) }
        if let helloOverride { return helloOverride(host) }
        do {
            var reply: BSONDocument
            do { reply = try command(["hello": .int32(1)], host: host, authenticated: false) }
            catch LoaderError.commandFailed { reply = try command(["isMaster": .int32(1)], host: host, authenticated: false) }
            let strings = { (k: String) in (reply[k]?.arrayValue ?? []).compactMap(\.stringValue) }
            return HostProbe(host: host, setName: reply["setName"]?.stringValue,
                             isWritablePrimary: reply["isWritablePrimary"]?.boolValue ?? reply["ismaster"]?.boolValue ?? false,
                             secondary: reply["secondary"]?.boolValue ?? false, arbiterOnly: reply["arbiterOnly"]?.boolValue ?? false,
                             primary: reply["primary"]?.stringValue, hosts: strings("hosts"), passives: strings("passives"), arbiters: strings("arbiters"))
        } catch {
            return HostProbe(host: host, error: String(describing: error))
        }
    }

    /// One command on `admin` over a fresh direct connection to `host`.
    func command(_ cmd: BSONDocument, host: String, authenticated: Bool) throws -> BSONDocument {
        if let invalid = Self.invalidHost(host) { throw LoaderError.invalidURI(uri: SafeText.escaped(host), reason: invalid) }
        return try command(cmd, uriText: Self.directURI(uri, host: host, keepCredentials: authenticated), host: host)
    }

    /// One command on `admin` over a fresh client for `text` (`host` names the server in errors).
    func command(_ cmd: BSONDocument, uriText text: String, host: String? = nil) throws -> BSONDocument {
        _ = mongocInitialized   // LiveSource.swift: init once, libmongoc's stdout logging off
        var error = bson_error_t()
        guard let u = mongoc_uri_new_with_error(text, &error) else {
            throw LoaderError.invalidURI(uri: Redact.uri(text), reason: Redact.text(error.text, secrets: secrets))
        }
        defer { mongoc_uri_destroy(u) }
        let ms = Int32(clamping: Int64((timeout * 1000).rounded()))
        for (key, value) in [(MONGOC_URI_SERVERSELECTIONTIMEOUTMS, ms), (MONGOC_URI_CONNECTTIMEOUTMS, ms),
                             (MONGOC_URI_SOCKETTIMEOUTMS, ms.multipliedReportingOverflow(by: 6).overflow ? Int32.max : ms * 6)]
        where !mongoc_uri_has_option(u, key) {
            mongoc_uri_set_option_as_int32(u, key, value)
        }
        mongoc_uri_set_option_as_bool(u, MONGOC_URI_RETRYREADS, false)
        if mongoc_uri_get_appname(u) == nil { mongoc_uri_set_appname(u, "shardscope-probe") }
        guard let client = mongoc_client_new_from_uri_with_error(u, &error) else {
            throw LoaderError.invalidURI(uri: Redact.uri(text), reason: Redact.text(error.text, secrets: secrets))
        }
        defer { mongoc_client_destroy(client) }
        mongoc_client_set_error_api(client, Int32(MONGOC_ERROR_API_VERSION_2))
        let name = cmd.keys.first ?? "command"
        return try BSONReply().withPointer { reply in
            // A direct connection to a secondary or an arbiter: read preference primaryPreferred lets it answer.
            let prefs = mongoc_read_prefs_new(MONGOC_READ_PRIMARY_PREFERRED)
            defer { mongoc_read_prefs_destroy(prefs) }
            let ok = withBSON(cmd) { mongoc_client_command_simple(client, "admin", $0, prefs, reply, &error) }
            guard ok else {
                let message = Redact.text(error.text, secrets: secrets)
                let serverReply = error.domain == MONGOC_ERROR_SERVER.rawValue || error.domain == MONGOC_ERROR_QUERY.rawValue
                if (error.domain == MONGOC_ERROR_CLIENT.rawValue && error.code == MONGOC_ERROR_CLIENT_AUTHENTICATE.rawValue)
                    || (serverReply && error.code == 18) {
                    throw LoaderError.authenticationFailed(hosts: [host ?? "the cluster"], user: nil, reason: message)
                }
                if serverReply { throw LoaderError.commandFailed(command: name, code: Int(error.code), message: message) }
                throw LoaderError.unreachable(hosts: [host ?? "the cluster"], timeoutSeconds: timeout, reason: message)
            }
            do { return try BSONDocument(bson: reply) } catch {
                throw LoaderError.commandFailed(command: name, code: 0, message: "undecodable reply: \(error)")
            }
        }
    }

    // MARK: URIs

    /// Why `host` (from `config.shards` or `getShardMap`) cannot go into a probe URI, nil when it can: only
    /// `[A-Za-z0-9._:-]` (a name or IPv4 address, with a port) or a bracketed IPv6 address with an optional port.
    /// Anything else (`/ ? & @ ,`, spaces, percent signs) could add URI options or send the credentials elsewhere.
    static func invalidHost(_ host: String) -> String? {
        let plain = { (c: Unicode.Scalar) in
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "." || c == "_" || c == ":" || c == "-"
        }
        let digits = { (s: Substring) in !s.isEmpty && s.unicodeScalars.allSatisfy { ("0"..."9").contains($0) } }
        let ok: Bool
        if host.hasPrefix("[") {
            let hex = { (c: Unicode.Scalar) in
                ("0"..."9").contains(c) || ("a"..."f").contains(c) || ("A"..."F").contains(c) || c == ":" || c == "."
            }
            if let close = host.firstIndex(of: "]") {
                let inside = host[host.index(after: host.startIndex)..<close]
                let rest = host[host.index(after: close)...]
                ok = !inside.isEmpty && inside.unicodeScalars.allSatisfy(hex)
                    && (rest.isEmpty || (rest.first == ":" && digits(rest.dropFirst())))
            } else {
                ok = false
            }
        } else {
            ok = !host.isEmpty && host.unicodeScalars.allSatisfy(plain)
        }
        return ok ? nil : "invalid host in config.shards: \(SafeText.escaped(host))"
    }

    /// The user:password part of a URI, if any.
    static func userinfo(_ uri: String) -> String? {
        guard let scheme = uri.range(of: "://") else { return nil }
        let rest = uri[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return nil }
        return String(rest[..<at])
    }

    /// The cluster's URI pointed at one host: same credentials (unless `keepCredentials` is false), database and
    /// options, `directConnection=true`, without `replicaSet`/`loadBalanced`/`srvServiceName`/`srvMaxHosts`.
    /// `mongodb+srv://` becomes `mongodb://` with `tls=true` (SRV implies TLS) unless the URI says otherwise.
    public static func directURI(_ uri: String, host: String, keepCredentials: Bool = true) -> String {
        let srv = uri.hasPrefix("mongodb+srv://")
        guard let scheme = uri.range(of: "://") else { return uri }
        let rest = uri[scheme.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let user = authority.lastIndex(of: "@").map { String(authority[..<$0]) }
        var path = ""
        var query = ""
        let tail = rest[authorityEnd...]
        if let q = tail.firstIndex(of: "?") {
            path = String(tail[..<q])
            query = String(tail[tail.index(after: q)...])
        } else {
            path = String(tail)
        }
        let dropped: Set<String> = ["replicaset", "directconnection", "loadbalanced", "srvservicename", "srvmaxhosts"]
        var opts = query.split(separator: "&").map(String.init).filter { kv in
            !dropped.contains(String(kv.prefix { $0 != "=" }).lowercased())
        }
        if !keepCredentials {
            opts = opts.filter { !["authmechanism", "authmechanismproperties", "authsource"].contains(String($0.prefix { $0 != "=" }).lowercased()) }
        }
        if srv, !opts.contains(where: { ["tls", "ssl"].contains(String($0.prefix { $0 != "=" }).lowercased()) }) { opts.append("tls=true") }
        opts.append("directConnection=true")
        let creds = keepCredentials ? user.map { $0 + "@" } ?? "" : ""
        return "mongodb://" + creds + host + (path.isEmpty ? "/" : path) + "?" + opts.joined(separator: "&")
    }
}
