import Foundation
import ClusterModel

/// Why a source could not load. Every message is one line that says what failed, where, and how to fix it;
/// texts that came from a driver or a URI are redacted before they are stored here. All map to exit status 2.
public enum LoaderError: Error, CustomStringConvertible, Equatable {
    /// A `.bson` file ends inside a document or holds bytes that are not BSON. For a `.gz` file the offset
    /// counts bytes of the uncompressed stream.
    case corruptFile(path: String, offset: Int64, reason: String, compressed: Bool)
    /// The directory holds no config dump; `lookedFor` says which files were searched for, where.
    case notADump(path: String, lookedFor: String)
    case unreachable(hosts: [String], timeoutSeconds: Double, reason: String)
    /// The server took a read but sent no reply within the socket timeout (a stalled or overloaded server).
    case noReply(host: String, command: String, timeoutSeconds: Double)
    case authenticationFailed(hosts: [String], user: String?, reason: String)
    /// `uri` is stored redacted.
    case invalidURI(uri: String, reason: String)
    case commandFailed(command: String, code: Int, message: String)
    case io(path: String, reason: String)

    public var exitCode: Int32 { 2 }

    public var description: String {
        let line: String
        switch self {
        case let .corruptFile(path, offset, reason, compressed):
            let at = compressed ? "byte \(offset) of the uncompressed stream" : "byte \(offset)"
            line = "\(path): truncated or corrupt BSON at \(at): \(reason); re-run mongodump, or move the file aside to load the rest"
        case let .notADump(path, lookedFor):
            line = "\(path) is not a dump of the config database: looked for \(lookedFor); pass the config/ folder written by 'mongodump --db config' or its parent"
        case let .unreachable(hosts, timeout, reason):
            line = "cannot reach \(Self.list(hosts)) within \(Self.seconds(timeout)) s: \(reason); check host, port, network and TLS options in the URI, or raise --timeout"
        case let .noReply(host, command, timeout):
            line = "server \(host) did not answer '\(command)' within \(Self.seconds(timeout)) s; raise --timeout or check the server"
        case let .authenticationFailed(hosts, user, reason):
            let who = user.map { "user '\($0)'" } ?? "the URI's credentials"
            line = "authentication failed for \(who) on \(Self.list(hosts)): \(reason); check the user name, password, authSource and authMechanism in the URI"
        case let .invalidURI(uri, reason):
            line = "invalid MongoDB URI '\(Redact.uri(uri))': \(reason); expected mongodb://[user:password@]host[:port][,host…][/?options] or mongodb+srv://…"
        case let .commandFailed(command, code, message):
            let hint = code == 13 ? "; the user needs the clusterMonitor role or read on the config database"
                                  : "; the server refused a read shardscope needs"
            line = "command '\(command)' failed with code \(code): \(message)\(hint)"
        case let .io(path, reason):
            line = "\(path): \(reason)"
        }
        // One line, safe for a terminal. Driver reasons end with a period; the line goes on with a hint.
        return SafeText.escaped(line.replacingOccurrences(of: ".; ", with: "; "))
    }

    static func list(_ hosts: [String]) -> String { hosts.isEmpty ? "the server" : hosts.joined(separator: ",") }
    static func seconds(_ t: Double) -> String { t == t.rounded() ? String(Int(t)) : String(format: "%.1f", t) }
}
