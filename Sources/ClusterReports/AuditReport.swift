import Foundation
import ClusterModel

/// `audit` output: text grouped by severity for a human, or `{findings: [...]}` for scripts.
public enum AuditReport {
    /// The exit status for `--fail-on`: 1 when a finding reaches `level`, else 0.
    public static func exitStatus(_ findings: [Finding], failOn level: Finding.Severity) -> Int32 {
        findings.contains { $0.severity >= level } ? 1 : 0
    }

    public static func json(_ findings: [Finding], _ s: ClusterSnapshot) -> JSONValue {
        .object([
            ("source", .object([("kind", .string(s.source.kind.rawValue)), ("display", .string(s.source.display))])),
            ("asOf", .string(ISO8601.string(s.asOf))),
            ("counts", .object(Finding.Severity.allCases.reversed().map { ($0.rawValue, .int(Int64(findings.count($0)))) })),
            ("findings", .array(findings.map(\.json))),
        ])
    }

    public static func text(_ findings: [Finding], _ s: ClusterSnapshot, failOn: Finding.Severity = .error) -> String {
        var out: [String] = []
        let counts = Finding.Severity.allCases.reversed().map { "\(findings.count($0)) \($0 == .info ? "info" : $0.rawValue + (findings.count($0) == 1 ? "" : "s"))" }
        out.append("shardscope audit · \(SafeText.escaped(s.source.display)) · as of \(ISO8601.string(s.asOf))")
        out.append(counts.joined(separator: ", "))
        for sev in Finding.Severity.allCases.reversed() {
            let list = findings.filter { $0.severity == sev }
            guard !list.isEmpty else { continue }
            out.append("")
            out.append("\(sev == .info ? "INFO" : sev.rawValue.uppercased() + "S") (\(list.count))")
            for f in list {
                out.append("  [\(f.id)] \(f.message)")
                out.append("      → \(f.advice)")
            }
        }
        if findings.isEmpty { out += ["", "nothing found"] }
        out.append("")
        let failing = findings.filter { $0.severity >= failOn }.count
        out.append(failing == 0 ? "result: nothing at or above \(failOn.rawValue)" : "result: \(failing) finding\(failing == 1 ? "" : "s") at or above \(failOn.rawValue)")
        return out.joined(separator: "\n") + "\n"
    }
}
