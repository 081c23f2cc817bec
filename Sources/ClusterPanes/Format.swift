import Foundation
import ClusterModel
import TermGrid

/// Text formatting shared by the panes: numbers, sizes, ages, times, shard-key values. Pure.
enum Fmt {
    static func count(_ n: Int) -> String { NumberText.count(n) }
    static func count(_ n: Int64) -> String { NumberText.count(n) }
    static func bytes(_ b: Int64) -> String { NumberText.bytes(b) }

    /// "0.4 s", "34 s", "5 min", "3 h", "2 d".
    static func age(_ seconds: Double) -> String {
        let s = max(0, seconds)
        if s < 10 { return String(format: "%.1f s", s) }
        if s < 120 { return "\(Int(s)) s" }
        if s < 7200 { return "\(Int(s / 60)) min" }
        if s < 172_800 { return "\(Int(s / 3600)) h" }
        return "\(Int(s / 86400)) d"
    }

    /// Uptime as "3d 4h", "5h 12m", "7m".
    static func uptime(_ seconds: Int64) -> String {
        let d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60
        if d > 0 { return "\(d)d \(h)h" }
        if h > 0 { return "\(h)h \(m)m" }
        return "\(m)m"
    }

    static func time(_ date: Date, _ format: String, _ tz: TimeZone) -> String {
        // A DateFormatter costs far more to make than to use: one per (format, zone), kept (a frame formats hundreds of times).
        formatterLock.lock()
        defer { formatterLock.unlock() }
        let key = FormatterKey(format: format, zone: tz)
        if let f = formatters[key] { return f.string(from: date) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = tz
        f.dateFormat = format
        if formatters.count > 32 { formatters.removeAll() }
        formatters[key] = f
        return f.string(from: date)
    }
    private struct FormatterKey: Hashable { var format: String; var zone: TimeZone }
    nonisolated(unsafe) private static var formatters: [FormatterKey: DateFormatter] = [:]
    private static let formatterLock = NSLock()

    /// A shard-key bound: the bare value for one field, `{ a: 1, b: "x" }` for compound keys. Escaped.
    static func key(_ doc: BSONDocument) -> String {
        if doc.count == 1, let v = doc.elements.first?.value { return value(v) }
        return "{ " + doc.elements.map { "\(SafeText.escaped($0.key)): \(value($0.value))" }.joined(separator: ", ") + " }"
    }

    /// A shard-key bound as values only, for narrow table cells: `"EU", 100` (the title shows the field names).
    static func keyValues(_ doc: BSONDocument) -> String { doc.elements.map { value($0.value) }.joined(separator: ", ") }

    /// A short display form of a value (escaped).
    static func value(_ v: BSONValue) -> String {
        switch v {
        case .minKey: return "MinKey"
        case .maxKey: return "MaxKey"
        case .string(let s): return "\"" + SafeText.escaped(s) + "\""
        case .int32(let i): return String(i)
        case .int64(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .objectId(let o): return "ObjectId(\(o.hex))"
        case .timestamp(let t): return "Timestamp(\(t.t), \(t.i))"
        case .date(let ms): return ISO8601.string(millis: ms)
        case .document(let d): return key(d)
        default: return SafeText.escaped(v.relaxedExtendedJSON.serialized(indent: 0))
        }
    }

    static func version(_ ts: BSONTimestamp?) -> String { ts.map { "\($0.t)|\($0.i)" } ?? "-" }
    static func yesNo(_ b: Bool?) -> String { b.map { $0 ? "yes" : "no" } ?? "default" }
}

/// Display-width aware padding and clipping (widths measured by TermGrid's DisplayWidth only).
enum TextFit {
    /// Cuts `s` to at most `width` columns, ending in `ellipsis` when something was cut.
    static func clip(_ s: String, _ width: Int, ellipsis: String = "…") -> String {
        guard width > 0 else { return "" }
        if DisplayWidth.of(s) <= width { return s }
        let room = width - DisplayWidth.of(ellipsis)
        var out = "", used = 0
        for ch in s {
            let w = DisplayWidth.of(ch)
            if used + w > room { break }
            out.append(ch); used += w
        }
        return out + ellipsis
    }
    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let c = clip(s, width)
        let gap = String(repeating: " ", count: max(0, width - DisplayWidth.of(c)))
        return right ? gap + c : c + gap
    }
}
