/// Text clean-up a data office would otherwise do by hand, one small function per step.
enum TextCleaner {
    /// Full-width ASCII forms (Ａ１，) and the ideographic space folded to their plain forms,
    /// and surrounding white space trimmed. Cheap when there is nothing to fold.
    static func foldWidth(_ s: String) -> String {
        var needs = false
        for b in s.utf8 where b == 0xEF || b == 0xE3 || b == 0x20 || b == 0x09 || b == 0xC2 { needs = true; break }
        if !needs { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u.value {
            case 0xFF01...0xFF5E: out.append(Unicode.Scalar(u.value - 0xFEE0) ?? u)
            case 0x3000, 0x00A0: out.append(" ")
            default: out.append(u)
            }
        }
        return trim(String(out))
    }

    /// Only the width folding of letters, digits and spaces: punctuation such as ，。 stays, so
    /// free text keeps its look while numbers in it become findable.
    static func foldAlnum(_ s: String) -> String {
        var needs = false
        for b in s.utf8 where b == 0xEF || b == 0xE3 { needs = true; break }
        if !needs { return trim(s) }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u.value {
            case 0xFF10...0xFF19, 0xFF21...0xFF3A, 0xFF41...0xFF5A: out.append(Unicode.Scalar(u.value - 0xFEE0) ?? u)
            case 0x3000: out.append(" ")
            default: out.append(u)
            }
        }
        return trim(String(out))
    }

    static func trim(_ s: String) -> String {
        guard let f = s.utf8.first, let l = s.utf8.last else { return s }
        if !isSpace(f) && !isSpace(l) { return s }
        var sub = Substring(s)
        while let c = sub.first, c.isWhitespace { sub = sub.dropFirst() }
        while let c = sub.last, c.isWhitespace { sub = sub.dropLast() }
        return String(sub)
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0xC2 || b == 0xE3 }

    /// Replaces variant characters and spellings by the mapping's standard forms.
    struct Variants {
        let table: [(String, String)]
        /// The scalars that only the variant spellings have (辦 and 處 of 街道辦事處, not 街): a
        /// value holding none of them is left alone without any string search (the common case).
        private let starts: Set<Unicode.Scalar>

        init(_ table: [(String, String)]) {
            self.table = table
            var set = Set<Unicode.Scalar>()
            for (a, b) in table {
                let own: [Unicode.Scalar] = a.unicodeScalars.filter { !b.unicodeScalars.contains($0) }
                set.formUnion(own.isEmpty ? Array(a.unicodeScalars) : own)
            }
            starts = set
        }

        func fold(_ s: String) -> String {
            guard !starts.isEmpty, s.unicodeScalars.contains(where: starts.contains) else { return s }
            var out = s
            for (a, b) in table where out.contains(a) { out = out.replacingOccurrences(of: a, with: b) }
            return out
        }
    }

    /// The levels of a path such as 「一级->二级->三级」, split on any of the separators.
    static func levels(_ s: String, separators: [String]) -> [String] {
        guard !separators.isEmpty else { return [s] }
        let seps = separators.map { Array($0.utf8) }.filter { !$0.isEmpty }
        let b = Array(s.utf8)
        var parts: [String] = []
        var start = 0
        var i = 0
        outer: while i < b.count {
            for sep in seps where i + sep.count <= b.count && b[i] == sep[0] && Array(b[i..<(i + sep.count)]) == sep {
                parts.append(String(decoding: b[start..<i], as: UTF8.self))
                i += sep.count
                start = i
                continue outer
            }
            i += 1
        }
        parts.append(String(decoding: b[start..<b.count], as: UTF8.self))
        return parts.map(trim).filter { !$0.isEmpty }
    }

    /// One level (1-based) of such a path; nil when the path is shorter.
    static func level(_ s: String, separators: [String], _ n: Int) -> String? {
        let parts = levels(s, separators: separators)
        return n - 1 < parts.count ? parts[n - 1] : nil
    }

    /// A name without its administrative suffix (朝阳区 → 朝阳), for matching bare forms.
    static func bare(_ name: String) -> String {
        for suffix in ["街道办事处", "街道", "地区办事处", "地区", "区", "县", "市", "镇", "乡"] where name.hasSuffix(suffix) && name.count > suffix.count + 1 {
            return String(name.dropLast(suffix.count))
        }
        return name
    }

    /// The street without the district written in front of it (「朝阳区望京街道」,
    /// 「朝阳区-望京街道」, 「朝阳 望京街道」 → 望京街道). Nil when nothing was stripped. Bare forms
    /// (朝阳) are tried only for the row's own district: another district's bare name could be
    /// the start of a street's own name.
    static func stripPrefix(_ street: String, district: String?, others: [String] = []) -> (street: String, district: String)? {
        var forms: [(String, String)] = []
        if let d = district, !d.isEmpty {
            forms.append((d, d))
            let b = bare(d)
            if b != d { forms.append((b, d)) }
        }
        for d in others where d != district { forms.append((d, d)) }
        for (form, d) in forms where street.hasPrefix(form) && street.count > form.count {
            var rest = Substring(street).dropFirst(form.count)
            while let c = rest.first, c == " " || c == "-" || c == "/" || c == "—" || c == "·" || c == ">" || c == "、" || c == "_" { rest = rest.dropFirst() }
            if rest.count >= 2 { return (String(rest), d) }
        }
        return nil
    }
}
