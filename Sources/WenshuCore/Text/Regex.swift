import CPCRE2

/// A PCRE2 pattern compiled (with JIT where available) once and reused.
/// Offsets are UTF-8 byte offsets into the subject.
public final class Regex: @unchecked Sendable {
    private let code: OpaquePointer
    public let pattern: String

    /// `needsAnyOf`: words one of which every match contains (from `patterns.tsv`'s third
    /// column), looked for before PCRE2 runs: a pattern tried on every question costs more
    /// to run than to rule out.
    public init(_ pattern: String, needsAnyOf needs: [String] = []) throws {
        self.pattern = pattern
        self.needs = needs.filter { !$0.isEmpty }.map { Array($0.utf8) }
        var err: Int32 = 0
        var off: Int = 0
        let bytes = Array(pattern.utf8)
        let compiled = bytes.withUnsafeBufferPointer { buf in
            pcre2_compile_8(buf.baseAddress, buf.count, UInt32(PCRE2_UTF | PCRE2_UCP), &err, &off, nil)
        }
        guard let compiled else {
            var msg = [UInt8](repeating: 0, count: 256)
            pcre2_get_error_message_8(err, &msg, msg.count)
            let text = String(decoding: msg.prefix { $0 != 0 }, as: UTF8.self)
            throw GrammarError("正则表达式编译失败（位置 \(off)）：\(text)：\(pattern)")
        }
        code = compiled
        pcre2_jit_compile_8(code, UInt32(PCRE2_JIT_COMPLETE))
        // What PCRE2 itself knows about where a match can start and how short it can be: a
        // subject with none of the possible first bytes, or too short, cannot match (most
        // questions have no digit for the date pattern and no quote for the quoted one).
        var minLength: UInt32 = 0
        self.minLength = pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_MINLENGTH), &minLength) == 0 ? Int(minLength) : 0
        var type: UInt32 = 0
        var bitmap: UnsafePointer<UInt8>?
        if pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_FIRSTCODETYPE), &type) == 0, type == 0,
           pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_FIRSTBITMAP), &bitmap) == 0, let bitmap {
            firstBytes = Array(UnsafeBufferPointer(start: bitmap, count: 32))
        } else if type == 1 {
            var unit: UInt32 = 0
            if pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_FIRSTCODEUNIT), &unit) == 0, unit < 256 {
                var b = [UInt8](repeating: 0, count: 32)
                b[Int(unit) >> 3] |= UInt8(1 << (unit & 7))
                firstBytes = b
            } else { firstBytes = nil }
        } else {
            firstBytes = nil
        }
    }

    /// The bytes a match can start with (a 256-bit set), when PCRE2 knows them.
    private let firstBytes: [UInt8]?
    /// The fewest code units a match can have.
    private let minLength: Int

    /// Words one of which a match contains (empty: none known).
    private let needs: [[UInt8]]

    /// Whether `subject` may hold a match at all.
    private func mayMatch(_ subject: UnsafeBufferPointer<UInt8>) -> Bool {
        if subject.count < minLength { return false }
        if !needs.isEmpty, let base = subject.baseAddress {
            guard needs.contains(where: { w in ByteSearch.occurs(w, in: UnsafeBufferPointer(start: base, count: subject.count)) }) else { return false }
        }
        guard let set = firstBytes else { return true }
        // Through a pointer: no bounds check per byte (a question is tried by every pattern).
        return set.withUnsafeBufferPointer { bits in
            for b in subject where bits[Int(b >> 3)] & (1 << (b & 7)) != 0 { return true }
            return false
        }
    }

    deinit { pcre2_code_free_8(code) }

    /// One match: the whole span and each capture group (nil when the group did not take part).
    public struct Match {
        public let range: Range<Int>
        public let groups: [Range<Int>?]
    }

    /// All non-overlapping matches in `subject` (UTF-8 bytes).
    public func matches(in subject: [UInt8]) -> [Match] {
        guard subject.withUnsafeBufferPointer(mayMatch) else { return [] }
        guard let md = pcre2_match_data_create_from_pattern_8(code, nil) else { return [] }
        defer { pcre2_match_data_free_8(md) }
        var out: [Match] = []
        var start = 0
        subject.withUnsafeBufferPointer { buf in
            while start <= buf.count {
                let rc = pcre2_match_8(code, buf.baseAddress, buf.count, start, 0, md, nil)
                if rc <= 0 { break }
                let ov = pcre2_get_ovector_pointer_8(md)!
                let whole = Int(ov[0])..<Int(ov[1])
                var groups: [Range<Int>?] = []
                for g in 1..<Int(rc) {
                    let s = ov[2 * g], e = ov[2 * g + 1]
                    // An unset group is PCRE2_UNSET (~0), which size_t → Int reads as -1.
                    let a = Int(truncatingIfNeeded: s), b = Int(truncatingIfNeeded: e)
                    groups.append(a < 0 || b < a || b > buf.count ? nil : a..<b)
                }
                out.append(Match(range: whole, groups: groups))
                start = whole.isEmpty ? whole.upperBound + 1 : whole.upperBound
            }
        }
        return out
    }

    /// Replaces every match in `bytes` (UTF-8) with the output of `transform` (a chain of
    /// replacements converts the text once, not per pattern).
    public func replace(bytes: [UInt8], _ transform: (Match, [UInt8]) -> [UInt8]) -> [UInt8] {
        let found = matches(in: bytes)
        if found.isEmpty { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var last = 0
        for m in found {
            out.append(contentsOf: bytes[last..<m.range.lowerBound])
            out.append(contentsOf: transform(m, bytes))
            last = m.range.upperBound
        }
        out.append(contentsOf: bytes[last...])
        return out
    }
}

extension Array where Element == UInt8 {
    func text(_ r: Range<Int>?) -> String {
        guard let r else { return "" }
        return String(decoding: self[r], as: UTF8.self)
    }
}
