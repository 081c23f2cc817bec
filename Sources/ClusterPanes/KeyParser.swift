import Foundation
import ClusterModel

/// Parses what the user types after `/` in the chunk map into a shard-key document, in a relaxed
/// JSON-like syntax: `42`, `-1.5`, `"abc"`, `'abc'`, bare words, `true`, `null`, `MinKey`, `MaxKey`,
/// `ObjectId("…")`, or `{region: "EU", id: 5}`. A bare value goes to the first key field; key fields
/// not given become MinKey, so the chunk found is the first one that can hold the prefix.
enum KeyParser {
    struct Failure: Error, Equatable { var message: String }

    static func parse(_ text: String, keyFields: [String]) -> Result<BSONDocument, Failure> {
        var p = Scanner(chars: Array(text))
        do {
            let value = try p.value()
            p.skipSpace()
            guard p.atEnd else { throw Failure(message: "unexpected '\(p.chars[p.i])' in key") }
            var given: [(String, BSONValue)]
            if case .document(let d) = value {
                given = d.elements.map { ($0.key, $0.value) }
            } else {
                guard let first = keyFields.first else { throw Failure(message: "unknown shard key") }
                given = [(first, value)]
            }
            if !keyFields.isEmpty, let unknown = given.first(where: { !keyFields.contains($0.0) }) {
                throw Failure(message: "'\(SafeText.escaped(unknown.0))' is not a shard key field (\(keyFields.joined(separator: ", ")))")
            }
            let fields = keyFields.isEmpty ? given.map(\.0) : keyFields
            return .success(BSONDocument(fields.map { f in (f, given.first { $0.0 == f }?.1 ?? .minKey) }))
        } catch let f as Failure {
            return .failure(f)
        } catch {
            return .failure(Failure(message: "cannot read key"))
        }
    }

    struct Scanner {
        var chars: [Character]
        var i = 0
        var atEnd: Bool { i >= chars.count }
        mutating func skipSpace() { while !atEnd, chars[i].isWhitespace { i += 1 } }

        mutating func value() throws -> BSONValue {
            skipSpace()
            guard !atEnd else { throw Failure(message: "type a key value, e.g. 42, \"abc\" or {a: 1}") }
            switch chars[i] {
            case "{": return .document(try document())
            case "\"", "'": return .string(try quoted())
            default:
                let word = bare()
                guard !word.isEmpty else { throw Failure(message: "unexpected '\(chars[i])' in key") }
                if word == "ObjectId" {
                    skipSpace()
                    guard !atEnd, chars[i] == "(" else { throw Failure(message: "ObjectId needs (\"hex\")") }
                    i += 1; skipSpace()
                    let hex = try quoted()
                    skipSpace()
                    guard !atEnd, chars[i] == ")", let oid = ObjectId(hex: hex) else { throw Failure(message: "bad ObjectId") }
                    i += 1
                    return .objectId(oid)
                }
                return scalar(word)
            }
        }

        func scalar(_ w: String) -> BSONValue {
            switch w {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            case "MinKey", "minKey": return .minKey
            case "MaxKey", "maxKey": return .maxKey
            default: break
            }
            if let n = Int64(w) { return Int32(exactly: n).map(BSONValue.int32) ?? .int64(n) }
            if let d = Double(w) { return .double(d) }
            return .string(w)
        }

        mutating func bare() -> String {
            var out = ""
            while !atEnd, !" ,:{}()\"'".contains(chars[i]) { out.append(chars[i]); i += 1 }
            return out
        }

        mutating func quoted() throws -> String {
            let q = chars[i]; i += 1
            var out = ""
            while !atEnd, chars[i] != q {
                if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                out.append(chars[i]); i += 1
            }
            guard !atEnd else { throw Failure(message: "missing closing \(q)") }
            i += 1
            return out
        }

        mutating func document() throws -> BSONDocument {
            i += 1
            var doc = BSONDocument()
            skipSpace()
            if !atEnd, chars[i] == "}" { i += 1; return doc }
            while true {
                skipSpace()
                guard !atEnd else { throw Failure(message: "missing }") }
                let name = chars[i] == "\"" || chars[i] == "'" ? try quoted() : bare()
                guard !name.isEmpty else { throw Failure(message: "expected a field name") }
                skipSpace()
                guard !atEnd, chars[i] == ":" else { throw Failure(message: "expected ':' after \(name)") }
                i += 1
                doc[name] = try value()
                skipSpace()
                guard !atEnd else { throw Failure(message: "missing }") }
                if chars[i] == "," { i += 1; continue }
                if chars[i] == "}" { i += 1; return doc }
                throw Failure(message: "expected ',' or '}'")
            }
        }
    }
}
