import Foundation

/// Makes names and values from a cluster safe to show on a terminal: control characters and escape
/// sequences become visible escapes (`\x1b`, `\n`, `\u{9b}`), so a collection named with an ANSI
/// sequence cannot repaint or retitle the user's terminal.
public enum SafeText {
    public static func escaped(_ s: String) -> String {
        // Fast path: most names are printable.
        if !s.unicodeScalars.contains(where: needsEscape) { return s }
        var out = ""
        for u in s.unicodeScalars {
            if !needsEscape(u) { out.unicodeScalars.append(u); continue }
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x80: out += String(format: "\\x%02x", u.value)
            default: out += String(format: "\\u{%x}", u.value)
            }
        }
        return out
    }

    static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        return v < 0x20 || v == 0x7f || (0x80...0x9f).contains(v)
            || v == 0x2028 || v == 0x2029 || (0x202a...0x202e).contains(v) || (0x2066...0x2069).contains(v)
    }
}

/// Hides credentials in connection strings wherever they are shown: errors, titles, logs, JSON.
public enum Redact {
    /// `mongodb://user:secret@h/?x` → `mongodb://user:***@h/?x`; also hides `password=`-like query options.
    public static func uri(_ uri: String) -> String {
        var s = uri
        if let schemeEnd = s.range(of: "://") {
            let rest = s[schemeEnd.upperBound...]
            // The userinfo ends at the last '@' before the first '/' that follows it (passwords may hold '@' only escaped, but be generous).
            let hostPartEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            let authority = rest[..<hostPartEnd]
            if let at = authority.lastIndex(of: "@") {
                let userinfo = authority[..<at]
                if let colon = userinfo.firstIndex(of: ":") {
                    s.replaceSubrange(userinfo.index(after: colon)..<at, with: "***")
                }
            }
        }
        // Query options that can carry secrets.
        for key in ["password", "authmechanismproperties", "tlscertificatekeyfilepassword", "sslclientcertificatekeypassword", "sslpempassword"] {
            s = redactOption(key, in: s)
        }
        return s
    }

    static func redactOption(_ key: String, in s: String) -> String {
        guard let q = s.firstIndex(of: "?") else { return s }
        let head = s[..<q]
        let parts = s[s.index(after: q)...].split(separator: "&", omittingEmptySubsequences: false).map { part -> String in
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if kv.count == 2, kv[0].lowercased() == key { return "\(kv[0])=***" }
            return String(part)
        }
        return head + "?" + parts.joined(separator: "&")
    }

    /// Replaces every occurrence of a known secret in free text (a libmongoc error may echo the URI).
    public static func text(_ text: String, secrets: [String]) -> String {
        var t = text
        for secret in secrets where secret.count >= 1 {
            t = t.replacingOccurrences(of: secret, with: "***")
            if let decoded = secret.removingPercentEncoding, decoded != secret, !decoded.isEmpty {
                t = t.replacingOccurrences(of: decoded, with: "***")
            }
        }
        return t
    }

    /// The password part of a URI (percent-encoded as written), if any.
    public static func password(in uri: String) -> String? {
        guard let schemeEnd = uri.range(of: "://") else { return nil }
        let rest = uri[schemeEnd.upperBound...]
        let authority = rest[..<(rest.firstIndex(of: "/") ?? rest.endIndex)]
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let userinfo = authority[..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return nil }
        let pw = String(userinfo[userinfo.index(after: colon)...])
        return pw.isEmpty ? nil : pw
    }
}
