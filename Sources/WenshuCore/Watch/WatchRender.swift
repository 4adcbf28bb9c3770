import Foundation

/// The warning list as a table, as text for a terminal or a chat, and as JSON.
public enum WatchRender {
    public static let columns = ["区县", "街道", "社区", "分类", "工单量", "预期", "起始日", "首次预警", "最近预警", "追问"]
    /// How each column is shown (the counts and the expected value are numbers).
    public static let kinds: [ColumnKind] = [.text, .text, .text, .text, .count, .average, .text, .text, .text, .text]

    public static func table(_ list: [Warning]) -> (columns: [String], rows: [[DBValue]]) {
        let rows: [[DBValue]] = list.map { w in
            [.text(w.district), .text(w.street), w.community.map { .text($0) } ?? .null, .text(w.subcategory),
             .integer(Int64(w.count)), .real((w.expected * 10).rounded() / 10), .text(w.since.iso),
             .text(w.firstDay.iso), .text(w.lastDay.iso), .text(w.question)]
        }
        return (columns, rows)
    }

    public static func summary(_ list: [Warning], day: Day, days: Int) -> String {
        let when = "\(day.adding(days: -days).iso) 至 \(day.iso)"
        guard !list.isEmpty else { return "\(when) 没有预警。" }
        let fresh = list.filter { $0.firstDay >= day.adding(days: -1) }.count
        let top = list.prefix(3).map { "\($0.place.name)\($0.subcategory)（\($0.count)件，预期\(expectedText($0.expected))件）" }
        var s = "\(when) 共 \(list.count) 条预警"
        if days == 1 { s += "，其中昨天以来新出现 \(fresh) 条" }
        return s + "：" + top.joined(separator: "、") + (list.count > 3 ? "等。" : "。")
    }

    static func expectedText(_ x: Double) -> String { String(format: "%.1f", x) }

    /// Plain text: the table, then each warning's example tickets.
    public static func text(_ r: Watch.Report) -> String {
        var s = "【预警】" + r.summary + "\n"
        guard !r.warnings.isEmpty else { return s }
        s += Render.table(r.columns, r.rows) + "\n"
        for (i, w) in r.warnings.enumerated() where !w.examples.isEmpty {
            s += "\(i + 1). \(w.place.name) · \(w.subcategory)：\n"
            for e in w.examples { s += "   \(e.createdAt) \(e.id) \(e.content)\n" }
        }
        return s
    }

    public static func json(_ w: Warning) -> JSONValue {
        .object([
            ("district", .string(w.district)),
            ("street", .string(w.street)),
            ("community", w.community.map { .string($0) } ?? .null),
            ("subcategory", .string(w.subcategory)),
            ("since", .string(w.since.iso)),
            ("first_day", .string(w.firstDay.iso)),
            ("last_day", .string(w.lastDay.iso)),
            ("count", .int(Int64(w.count))),
            ("expected", .double((w.expected * 10).rounded() / 10)),
            ("p_value", .double(w.pValue)),
            ("question", .string(w.question)),
            ("examples", .array(w.examples.map { e in
                .object([("id", .string(e.id)), ("created_at", .string(e.createdAt)), ("content", .string(e.content))])
            })),
        ])
    }

    public static func json(_ r: Watch.Report) -> JSONValue { .array(r.warnings.map(json)) }
}
