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

    /// `dialect.placeholderByte`, asked once.
    private let placeholderByte: UInt8?

    init(dialect: SQLDialect) {
        self.dialect = dialect
        placeholderByte = dialect.placeholderByte
        bytes.reserveCapacity(512)
        params.reserveCapacity(8)
    }

    private mutating func appendPlaceholder() {
        if let b = placeholderByte { bytes.append(b) } else { bytes.append(contentsOf: dialect.placeholder(params.count).utf8) }
    }

    var sql: String { String(decoding: bytes, as: UTF8.self) }

    mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    /// Appends a placeholder bound to `v`.
    mutating func bind(_ v: DBValue) {
        params.append(v)
        appendPlaceholder()
    }

    mutating func bind(_ s: String) { bind(.text(s)) }

    /// Appends a fragment built by another builder (keeps parameter order).
    mutating func append(_ f: Fragment) {
        // Split on the marker byte (it never occurs inside a UTF-8 multi-byte sequence),
        // found with memchr: the statement is a few hundred bytes and has few markers.
        f.withUTF8 { buf in
            guard let base = buf.baseAddress else { return }
            var start = 0, next = 0
            while start < buf.count, let hit = memchr(base + start, 1, buf.count - start) {
                let i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start..<i]))
                start = i + 1
                guard next < f.params.count else { return }
                params.append(f.params[next])
                next += 1
                appendPlaceholder()
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[start...]))
        }
    }
}

/// A piece of SQL with its own parameters, dialect-neutral (placeholders as \u{1}).
///
/// A fragment starts as the String it was written as (a literal or one interpolation, which
/// costs nothing to keep) and becomes UTF-8 bytes at its first append: appending to a byte
/// array is a memcpy, appending to a String about 400 instructions of checks, and a
/// statement is some thirty appends.
struct Fragment {
    private var text: String
    private var bytes: [UInt8] = []
    private var isBytes = false
    var params: [DBValue]

    init(_ sql: String, _ params: [DBValue] = []) {
        text = sql
        self.params = params
    }

    var sql: String { isBytes ? String(decoding: bytes, as: UTF8.self) : text }

    /// The text as UTF-8, without building a String.
    func withUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if isBytes { return bytes.withUnsafeBufferPointer(body) }
        var t = text
        return t.withUTF8(body)
    }

    private mutating func appendText(_ other: Fragment) {
        if !isBytes {
            // Room for a whole statement at the first append (not regrown step by step).
            bytes.reserveCapacity(text.utf8.count + other.byteCount < 256 ? 256 : 1024)
            Fragment.append(text, to: &bytes)
            text = ""
            isBytes = true
        }
        if other.isBytes { bytes.append(contentsOf: other.bytes) } else { Fragment.append(other.text, to: &bytes) }
    }

    /// A String's UTF-8 appended as one copy (the generic sequence append costs far more).
    private static func append(_ s: String, to bytes: inout [UInt8]) {
        if s.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil { bytes.append(contentsOf: s.utf8) }
    }

    private var byteCount: Int { isBytes ? bytes.count : text.utf8.count }

    /// Appends `other`'s text and parameters.
    mutating func append(_ other: Fragment) {
        appendText(other)
        if !other.params.isEmpty { params += other.params }
    }

    private static let and = Fragment(" AND ")

    /// `a` is consumed: a chain `x + y + z` appends to one buffer instead of copying the
    /// statement so far at every step.
    static func + (a: consuming Fragment, b: Fragment) -> Fragment {
        a.append(b)
        return a
    }

    static func && (a: consuming Fragment, b: Fragment) -> Fragment {
        a.appendText(Fragment.and)
        a.append(b)
        return a
    }
}

/// Placeholder marker inside a Fragment (written `\u{1}` inside literals: an interpolation
/// of `P` would build the string at run time).
let P = "\u{1}"
