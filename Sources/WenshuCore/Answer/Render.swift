/// Text renderings of an answer: an aligned table (display width aware) and CSV.
public enum Render {
    public static func table(_ columns: [String], _ rows: [[DBValue]], maxWidth: Int = 120) -> String {
        let cells = rows.map { $0.map(cellText) }
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

    public static func csv(_ columns: [String], _ rows: [[DBValue]]) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = columns.map(field).joined(separator: ",") + "\r\n"
        for r in rows {
            out += r.map { v -> String in
                if case .null = v { return "" }
                return field(cellText(v))
            }.joined(separator: ",") + "\r\n"
        }
        return out
    }
}

import Foundation
