/// The meaning a unit carries.
public enum Sem: Hashable, Sendable {
    case none
    case num(Int)
    case text(String)
    case time(TimeExpr)
    case slots([Slot])
    case quantity(Quantity)

    var number: Int? { if case .num(let n) = self { return n }; return nil }
    var text: String? { if case .text(let t) = self { return t }; return nil }
    var timeExpr: TimeExpr? { if case .time(let t) = self { return t }; return nil }
    var quantity: Quantity? { if case .quantity(let q) = self { return q }; return nil }
}

/// One element of a rule's pattern.
public struct PatternElement: Hashable, Sendable {
    public enum Match: Hashable, Sendable {
        /// Any of these token surfaces.
        case literal(Set<String>)
        /// A unit of this tag (optionally with this text value).
        case tag(String, String?)
    }
    public let match: Match
    public let optional: Bool
}

/// A named grammar rule: `name out pattern… -> ctor args…` (see Grammars/README.md).
public struct Rule: Hashable, Sendable {
    public let name: String
    public let output: String
    public let pattern: [PatternElement]
    public let ctor: String
    public let args: [String]
    public let source: String

    /// Literal words this rule needs the tokenizer to know.
    var literals: [String] {
        pattern.flatMap { el -> [String] in
            if case .literal(let s) = el.match { return Array(s) }
            return []
        }
    }
}

/// A matched span of tokens [start, end) with a tag and meaning; `rules` names what built it.
public struct Unit: Hashable, Sendable {
    public let start: Int
    public let end: Int
    public let tag: String
    public let sem: Sem
    public let rules: [String]
}
