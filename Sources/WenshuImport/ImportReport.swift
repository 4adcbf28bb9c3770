import Foundation

/// What an import did, step by step: the figures a data office checks before trusting the
/// store. Rendered as text for people and as JSON for tools.
public struct ImportReport: Sendable {
    public struct FileInfo: Sendable {
        public var path: String
        public var format: String
        public var encoding: String
        public var headerLine: Int
        public var titleRows: Int
        public var rows: Int
        public var columnsUsed: [String: String]
        public var columnsIgnored: [String]
        public var fieldsWithoutColumn: [String]
    }

    public struct Rejection: Sendable {
        public var file: String
        public var line: Int
        public var reason: String
    }

    /// One value outside the contract's list (or the mapping's values), and what it became.
    public struct ValueChange: Sendable {
        public var field: String
        public var value: String
        public var became: String
        public var count: Int
    }

    public var mapping = ""
    public var store = ""
    public var appended = false
    public var files: [FileInfo] = []
    public var rowsRead = 0
    public var rowsRejected = 0
    public var rowsMerged = 0
    public var ticketsInFiles = 0
    public var ticketsWritten = 0
    public var ticketsAlreadyInStore = 0
    public var ticketsRejected = 0
    public var ticketsWithDisagreeingRows = 0
    public var rejections: [Rejection] = []
    public var rejectionsByReason: [String: Int] = [:]
    public var missingRates: [String: Double] = [:]
    public var valueChanges: [ValueChange] = []
    public var cleaning: [String: Int] = [:]
    public var dateForms: [String: Int] = [:]
    public var unreadableDates: [String: Int] = [:]
    public var dateExamples: [String] = []
    public var placesLearned: [String: Int] = [:]
    public var warnings: [String] = []
    public var seconds = 0.0

    /// Rejections listed one by one, up to this many (all are counted).
    static let listedRejections = 200

    mutating func reject(file: String, line: Int, reason: String) {
        rejectionsByReason[reason, default: 0] += 1
        if rejections.count < Self.listedRejections { rejections.append(Rejection(file: file, line: line, reason: reason)) }
    }

    mutating func count(_ step: String, _ n: Int = 1) { if n != 0 { cleaning[step, default: 0] += n } }

    public var text: String {
        var s = "导入报告（映射 \(mapping) → \(store)\(appended ? "，追加" : "")）\n"
        for f in files {
            s += "  文件 \(f.path)：\(f.format)，\(f.encoding)，表头在第 \(f.headerLine) 行（上方 \(f.titleRows) 行标题），数据 \(f.rows) 行\n"
            if !f.fieldsWithoutColumn.isEmpty { s += "    无对应列（取默认或推算）：\(f.fieldsWithoutColumn.joined(separator: "、"))\n" }
            if !f.columnsIgnored.isEmpty { s += "    未使用的列：\(f.columnsIgnored.joined(separator: "、"))\n" }
        }
        s += "  读入 \(rowsRead) 行；拒收 \(rowsRejected) 行；同一工单的多行合并 \(rowsMerged) 行（\(ticketsWithDisagreeingRows) 个工单的多行内容不一致，取第一行的值）\n"
        s += "  文件中共 \(ticketsInFiles) 个工单：写入 \(ticketsWritten)，库中已有而跳过 \(ticketsAlreadyInStore)，拒收 \(ticketsRejected)\n"
        if !rejectionsByReason.isEmpty {
            s += "  拒收原因：\n"
            for (r, n) in rejectionsByReason.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }) { s += "    \(r)：\(n)\n" }
            for r in rejections.prefix(20) { s += "    · \(URL(fileURLWithPath: r.file).lastPathComponent) 第 \(r.line) 行：\(r.reason)\n" }
            if rejections.count > 20 { s += "    …（JSON 报告列出前 \(rejections.count) 条）\n" }
        }
        if !cleaning.isEmpty {
            s += "  清洗：\n"
            for (k, n) in cleaning.sorted(by: { $0.key < $1.key }) { s += "    \(k)：\(n)\n" }
        }
        if !dateForms.isEmpty {
            s += "  日期格式：" + dateForms.sorted(by: { $0.value > $1.value }).map { "\($0.key) \($0.value)" }.joined(separator: "；") + "\n"
        }
        if !unreadableDates.isEmpty {
            s += "  无法识别或超出范围的日期：" + unreadableDates.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value)" }.joined(separator: "；")
            s += dateExamples.isEmpty ? "\n" : "（例：\(dateExamples.prefix(5).joined(separator: "、"))）\n"
        }
        if !valueChanges.isEmpty {
            s += "  不在合同取值表中的值 → 处理：\n"
            for v in valueChanges { s += "    \(v.field)「\(v.value)」×\(v.count) → \(v.became)\n" }
        }
        if !missingRates.isEmpty {
            s += "  缺失率（写入前，按工单）：" + missingRates.filter { $0.value > 0 }.sorted(by: { $0.key < $1.key })
                .map { "\($0.key) \(String(format: "%.1f%%", $0.value * 100))" }.joined(separator: "；") + "\n"
        }
        if !placesLearned.isEmpty {
            s += "  从数据学到的地名/部门：" + placesLearned.sorted(by: { $0.key < $1.key }).map { "\($0.key) \($0.value) 个" }.joined(separator: "；") + "\n"
        }
        for w in warnings { s += "  注意：\(w)\n" }
        s += String(format: "  用时 %.1f 秒（%.0f 行/秒）\n", seconds, seconds > 0 ? Double(rowsRead) / seconds : 0)
        return s
    }

    public var json: [String: Any] {
        [
            "mapping": mapping, "store": store, "appended": appended,
            "files": files.map { f -> [String: Any] in
                ["path": f.path, "format": f.format, "encoding": f.encoding, "header_line": f.headerLine, "title_rows": f.titleRows,
                 "rows": f.rows, "columns_used": f.columnsUsed, "columns_ignored": f.columnsIgnored, "fields_without_column": f.fieldsWithoutColumn]
            },
            "rows_read": rowsRead, "rows_rejected": rowsRejected, "rows_merged": rowsMerged,
            "tickets_in_files": ticketsInFiles, "tickets_written": ticketsWritten,
            "tickets_already_in_store": ticketsAlreadyInStore, "tickets_rejected": ticketsRejected,
            "tickets_with_disagreeing_rows": ticketsWithDisagreeingRows,
            "rejections": rejections.map { ["file": $0.file, "line": $0.line, "reason": $0.reason] as [String: Any] },
            "rejections_by_reason": rejectionsByReason,
            "missing_rates": missingRates,
            "values_not_in_contract": valueChanges.map { ["field": $0.field, "value": $0.value, "became": $0.became, "count": $0.count] as [String: Any] },
            "cleaning": cleaning, "date_forms": dateForms, "unreadable_dates": unreadableDates, "date_examples": dateExamples,
            "learned": placesLearned, "warnings": warnings, "seconds": seconds,
        ]
    }

    public func jsonData() -> Data {
        (try? JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
    }
}
