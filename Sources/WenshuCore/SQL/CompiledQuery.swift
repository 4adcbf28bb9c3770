/// A statement ready to run: SQL text with placeholders, its bound values, and the
/// column titles shown to people.
public struct CompiledQuery: Sendable, Equatable {
    public let sql: String
    public let params: [DBValue]
    public let columns: [String]
    /// How each column's values are shown (rates as percentages, hours rounded).
    public let kinds: [ColumnKind]

    public init(sql: String, params: [DBValue], columns: [String], kinds: [ColumnKind] = []) {
        self.sql = sql
        self.params = params
        self.columns = columns
        self.kinds = kinds
    }
}

/// Builds SQL text and its parameters side by side, so a value can only enter as a parameter.
struct SQLBuilder {
    let dialect: SQLDialect
    private(set) var sql = ""
    private(set) var params: [DBValue] = []

    mutating func raw(_ s: String) { sql += s }

    /// Appends a placeholder bound to `v`.
    mutating func bind(_ v: DBValue) {
        params.append(v)
        sql += dialect.placeholder(params.count)
    }

    mutating func bind(_ s: String) { bind(.text(s)) }

    /// Appends a fragment built by another builder (keeps parameter order).
    mutating func append(_ f: Fragment) {
        var parts = f.sql.components(separatedBy: "\u{1}")
        sql += parts.removeFirst()
        for (p, rest) in zip(f.params, parts) {
            params.append(p)
            sql += dialect.placeholder(params.count) + rest
        }
    }
}

/// A piece of SQL with its own parameters, dialect-neutral (placeholders as \u{1}).
struct Fragment {
    var sql: String
    var params: [DBValue]

    init(_ sql: String, _ params: [DBValue] = []) {
        self.sql = sql
        self.params = params
    }

    static func && (a: Fragment, b: Fragment) -> Fragment {
        Fragment(a.sql + " AND " + b.sql, a.params + b.params)
    }
}

/// Placeholder marker inside a Fragment.
let P = "\u{1}"
