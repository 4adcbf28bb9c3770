#if canImport(Glibc)
import Glibc
#endif

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
    /// The statement so far, as UTF-8 (appended byte spans, not string slices).
    private var bytes: [UInt8] = []
    private(set) var params: [DBValue] = []

    init(dialect: SQLDialect) {
        self.dialect = dialect
        bytes.reserveCapacity(512)
    }

    var sql: String { String(decoding: bytes, as: UTF8.self) }

    mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    /// Appends a placeholder bound to `v`.
    mutating func bind(_ v: DBValue) {
        params.append(v)
        bytes.append(contentsOf: dialect.placeholder(params.count).utf8)
    }

    mutating func bind(_ s: String) { bind(.text(s)) }

    /// Appends a fragment built by another builder (keeps parameter order).
    mutating func append(_ f: Fragment) {
        // Split on the marker byte (it never occurs inside a UTF-8 multi-byte sequence),
        // found with memchr: the statement is a few hundred bytes and has few markers.
        var text = f.sql
        text.withUTF8 { buf in
            guard let base = buf.baseAddress else { return }
            var start = 0, next = 0
            while start < buf.count, let hit = memchr(base + start, 1, buf.count - start) {
                let i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start..<i]))
                start = i + 1
                guard next < f.params.count else { return }
                params.append(f.params[next])
                next += 1
                bytes.append(contentsOf: dialect.placeholder(params.count).utf8)
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start...]))
        }
    }
}

/// A piece of SQL with its own parameters, dialect-neutral (placeholders as \u{1}).
struct Fragment {
    var sql: String
    var params: [DBValue]
    /// Whether `sql` has been given room for a whole statement (asking again costs as much
    /// as an append).
    private var roomy = false

    init(_ sql: String, _ params: [DBValue] = []) {
        self.sql = sql
        self.params = params
    }

    /// Room for a whole statement at the first append (a literal is copied once, not regrown).
    mutating func makeRoom(for b: Fragment) {
        guard !roomy else { return }
        sql.reserveCapacity(sql.utf8.count + b.sql.utf8.count < 256 ? 256 : 1024)
        roomy = true
    }

    static func && (a: consuming Fragment, b: Fragment) -> Fragment {
        a.makeRoom(for: b)
        a.sql += " AND "
        a.sql += b.sql
        if !b.params.isEmpty { a.params += b.params }
        return a
    }
}

/// Placeholder marker inside a Fragment.
let P = "\u{1}"
