/// Numbers as people read them, one way everywhere: the panes, `status`, `audit` and `diff`.
public enum NumberText {
    /// 1234567 → "1,234,567".
    public static func count(_ n: Int) -> String {
        let s = String(n.magnitude)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0, (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }
    public static func count(_ n: Int64) -> String { count(Int(n)) }

    /// Binary units, 1 decimal below 10: "512 B", "3.4 MB", "120 GB".
    public static func bytes(_ b: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB"]
        var v = Double(b), u = 0
        while abs(v) >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
        guard u > 0 else { return "\(b) B" }
        let digits = abs(v) < 10 ? 1 : 0
        return String(format: "%.\(digits)f %@", v, units[u])
    }
}
