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
        // Split on the marker byte (it never occurs inside a UTF-8 multi-byte sequence).
        let utf8 = f.sql.utf8
        var start = utf8.startIndex
        var next = 0
        var i = start
        while i != utf8.endIndex {
            if utf8[i] == 1 {
                sql += f.sql[start..<i]
                guard next < f.params.count else { return }
                params.append(f.params[next])
                next += 1
                sql += dialect.placeholder(params.count)
                start = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        sql += f.sql[start...]
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
