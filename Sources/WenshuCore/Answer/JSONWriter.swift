import Foundation

/// A small JSON writer that keeps key order (the contract lists the keys in order).
public enum JSONValue: Sendable {
    case null, bool(Bool), int(Int64), double(Double), string(String)
    case array([JSONValue]), object([(String, JSONValue)])

    public func render() -> String {
        var s = ""
        s.reserveCapacity(2048)
        write(&s)
        return s
    }

    func write(_ s: inout String) {
        switch self {
        case .null: s += "null"
        case .bool(let b): s += b ? "true" : "false"
        case .int(let i): s += String(i)
        case .double(let d): s += d.isFinite ? JSONValue.format(d) : "null"
        case .string(let t): JSONValue.quote(t, into: &s)
        case .array(let a):
            s += "["
            for (i, v) in a.enumerated() { if i > 0 { s += ", " }; v.write(&s) }
            s += "]"
        case .object(let o):
            s += "{"
            for (i, (k, v)) in o.enumerated() {
                if i > 0 { s += ", " }
                JSONValue.quote(k, into: &s); s += ": "; v.write(&s)
            }
            s += "}"
        }
    }

    static func format(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(format: "%.1f", d) }
        return String(format: "%.10g", d)
    }

    static func quote(_ t: String, into s: inout String) {
        s += "\""
        // Most strings (names, SQL, Chinese text) need no escape: copied whole.
        if !t.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            s += t
            s += "\""
            return
        }
        for u in t.unicodeScalars {
            switch u {
            case "\"": s += "\\\""
            case "\\": s += "\\\\"
            case "\n": s += "\\n"
            case "\r": s += "\\r"
            case "\t": s += "\\t"
            default:
                if u.value < 0x20 { s += String(format: "\\u%04x", u.value) } else { s.unicodeScalars.append(u) }
            }
        }
        s += "\""
    }
}

extension DBValue {
    var json: JSONValue {
        switch self {
        case .null: return .null
        case .integer(let i): return .int(i)
        case .real(let d): return .double(d)
        case .text(let t): return .string(t)
        }
    }
}

extension Answer {
    /// The contract's answer object, keys in the contract's order.
    public var json: JSONValue {
        var o: [(String, JSONValue)] = []
        if let id { o.append(("id", .string(id))) }
        o.append(("question", .string(question)))
        o.append(("status", .string(status.rawValue)))
        o.append(("interpretation", interpretation.map { .string($0) } ?? .null))
        o.append(("time_range", timeRange.map { .object([("start", .string($0.start.timestamp)), ("end", .string($0.end.timestamp))]) } ?? .null))
        o.append(("sql", sql.map { .string($0) } ?? .null))
        o.append(("params", .array(params.map(\.json))))
        if let source { o.append(("source", .string(source))) }
        o.append(("columns", .array(columns.map { .string($0) })))
        o.append(("rows", .array(rows.map { .array($0.map(\.json)) })))
        o.append(("summary", summary.map { .string($0) } ?? .null))
        o.append(("message", message.map { .string($0) } ?? .null))
        o.append(("suggestions", .array(suggestions.map { .string($0) })))
        return .object(o)
    }
}
