/// Which source column feeds each field, found by matching the header row's names against
/// the mapping. The header is the first row (below any title rows) that names both the id
/// column and the created_at column.
struct HeaderBinding {
    var index: [TicketField: Int] = [:]
    /// The same as `index`, as a list: iterated once per row, so no hashing.
    var pairs: [(TicketField, Int)] = []
    var callerIndexes: [Int] = []
    var columnsUsed: [String: String] = [:]
    var ignored: [String] = []
    var withoutColumn: [String] = []

    /// A header cell or a mapping's column name, compared loosely: widths folded, spaces,
    /// line breaks and decorations such as a required-field star or a trailing colon removed.
    static func key(_ s: String) -> String {
        var t = TextCleaner.foldWidth(s)
        t.removeAll { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "*" }
        while let l = t.last, l == ":" || l == "：" { t.removeLast() }
        return t
    }

    init?(cells: [String], mapping: Mapping) {
        let keys = cells.map(HeaderBinding.key)
        var position: [String: Int] = [:]
        for (i, k) in keys.enumerated() where !k.isEmpty && position[k] == nil { position[k] = i }
        func find(_ columns: [String]) -> (Int, String)? {
            for c in columns { if let i = position[HeaderBinding.key(c)] { return (i, cells[i]) } }
            return nil
        }
        guard find(mapping.fields[.id]?.columns ?? []) != nil, find(mapping.fields[.created_at]?.columns ?? []) != nil else { return nil }
        var used = Set<Int>()
        for f in TicketField.allCases {
            guard let spec = mapping.fields[f], !spec.columns.isEmpty else { withoutColumn.append(f.rawValue); continue }
            if let (i, name) = find(spec.columns) {
                index[f] = i
                used.insert(i)
                columnsUsed[f.rawValue] = HeaderBinding.key(name)
            } else {
                withoutColumn.append(f.rawValue)
            }
        }
        var callerNames: [String] = []
        for c in mapping.callerColumns {
            if let i = position[HeaderBinding.key(c)], !callerIndexes.contains(i) {
                callerIndexes.append(i)
                used.insert(i)
                callerNames.append(HeaderBinding.key(c))
            }
        }
        if !callerNames.isEmpty { columnsUsed["caller"] = callerNames.joined(separator: "、") }
        if callerIndexes.isEmpty { withoutColumn.append("caller") }
        pairs = index.map { ($0.key, $0.value) }.sorted { $0.1 < $1.1 }
        ignored = keys.enumerated().filter { !used.contains($0.offset) && !$0.element.isEmpty }.map(\.element)
    }
}
