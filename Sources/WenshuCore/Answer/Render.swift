/// Text renderings of an answer: an aligned table (display width aware) and CSV.
public enum Render {
    public static func table(_ columns: [String], _ rows: [[DBValue]], kinds: [ColumnKind] = [], maxWidth: Int = 120) -> String {
        let cells = rows.map { r in r.enumerated().map { cellText($0.element, kind: $0.offset < kinds.count ? kinds[$0.offset] : nil) } }
        let n = columns.count
        var widths = columns.map { DisplayWidth.of($0) }
        for r in cells { for (i, c) in r.enumerated() where i < n { widths[i] = max(widths[i], DisplayWidth.of(c)) } }
        // Trim the widest columns until the table fits.
        let total = { widths.reduce(0, +) + 3 * max(0, n - 1) }
        while total() > maxWidth, let i = widths.indices.max(by: { widths[$0] < widths[$1] }), widths[i] > 8 { widths[i] -= 1 }
        let numeric = (0..<n).map { i in !rows.isEmpty && rows.allSatisfy { i < $0.count && $0[i].doubleValue != nil || (i < $0.count && $0[i] == .null) } }
        func line(_ r: [String]) -> String {
            (0..<n).map { DisplayWidth.pad(i(r, $0), to: widths[$0], right: numeric[$0]) }.joined(separator: " │ ")
        }
        func i(_ r: [String], _ k: Int) -> String { k < r.count ? r[k] : "" }
        var out = [line(columns), widths.map { String(repeating: "─", count: $0) }.joined(separator: "─┼─")]
        out += cells.map(line)
        return out.joined(separator: "\n")
    }

    public static func cellText(_ v: DBValue) -> String {
        switch v {
        case .null: return "—"
        case .integer(let i): return String(i)
        case .real(let d): return JSONValue.format(d)
        case .text(let t): return t
        }
    }

    /// A cell for people: rates as percentages with one decimal, hours and averages rounded to one.
    public static func cellText(_ v: DBValue, kind: ColumnKind?) -> String {
        guard let kind, let d = v.doubleValue else { return cellText(v) }
        switch kind {
        case .rate: return String(format: "%.1f%%", d * 100)
        case .hours, .average: return String(format: "%.1f", d)
        default: return cellText(v)
        }
    }

    public static func table(_ a: Answer, maxWidth: Int = 120) -> String { table(a.columns, a.rows, kinds: a.kinds, maxWidth: maxWidth) }

    public static func csv(_ a: Answer) -> String { csv(a.columns, a.rows, kinds: a.kinds) }

    public static func csv(_ columns: [String], _ rows: [[DBValue]], kinds: [ColumnKind] = []) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = columns.map(field).joined(separator: ",") + "\r\n"
        for r in rows {
            out += r.enumerated().map { i, v -> String in
                if case .null = v { return "" }
                return field(cellText(v, kind: i < kinds.count ? kinds[i] : nil))
            }.joined(separator: ",") + "\r\n"
        }
        return out
    }
}

import Foundation
