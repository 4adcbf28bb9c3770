import WenshuCore

/// The rows of this import, merged by ticket id in a temporary table before anything reaches
/// `tickets`: several rows of one ticket (one per handling unit) become one ticket, taking for
/// each field the first non-empty value in file order, except `closed_at`, which takes the
/// latest. Rows that disagree on what identifies a ticket are counted.
struct Staging {
    static let columns = TicketSchema.columns + ["_due", "_unknown_caller", "_file", "_line"]
    /// Fields whose disagreement between rows of one ticket is reported.
    static let identity = ["created_at", "channel", "kind", "category", "subcategory", "district", "street", "content"]

    let db: Database
    private let writer: RowWriter

    init(db: Database) throws {
        self.db = db
        let cols = Staging.columns.map { $0 == "id" ? "id TEXT PRIMARY KEY" : ($0 == "_line" ? "_line INTEGER" : "\($0)") }
        try db.execute("CREATE TEMP TABLE staging (\(cols.joined(separator: ", ")), _rows INTEGER NOT NULL DEFAULT 1, _conflicts INTEGER NOT NULL DEFAULT 0, _reject TEXT)")
        let merged = Staging.columns.filter { !["id", "closed_at", "_file", "_line", "_unknown_caller"].contains($0) }
            .map { "\($0) = coalesce(staging.\($0), excluded.\($0))" }
        let conflicts = Staging.identity.map { "((staging.\($0) <> excluded.\($0)) IS 1)" }.joined(separator: " + ")
        let sql = """
        INSERT INTO staging (\(Staging.columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: Staging.columns.count).joined(separator: ", ")))
        ON CONFLICT(id) DO UPDATE SET \(merged.joined(separator: ", ")),
          closed_at = max(coalesce(staging.closed_at, excluded.closed_at), coalesce(excluded.closed_at, staging.closed_at)),
          _rows = staging._rows + 1,
          _conflicts = staging._conflicts + (\(conflicts))
        """
        writer = try RowWriter(db: db, sql: sql)
    }

    func add(_ row: [DBValue]) throws { try writer.insert(row) }

    /// Checks the merged tickets, then writes the new ones into `tickets` (main database).
    func finish(mapping: Mapping, report: inout ImportReport) throws {
        func int(_ v: DBValue?) -> Int { if case .integer(let i)? = v { return Int(i) }; return 0 }
        func def(_ f: TicketField) -> DBValue { mapping.fields[f]?.defaultValue.map { .text($0) } ?? .null }
        let totals = try db.writerRows("SELECT count(*), coalesce(sum(_rows - 1), 0), coalesce(sum(_conflicts > 0), 0) FROM staging")[0]
        report.ticketsInFiles = int(totals[0])
        report.rowsMerged = int(totals[1])
        report.ticketsWithDisagreeingRows = int(totals[2])

        // Tickets missing what the contract requires, with no default in the mapping.
        try db.writerRows("""
            UPDATE staging SET _reject = CASE
              WHEN created_at IS NULL THEN '没有可识别的受理时间（created_at）'
              WHEN coalesce(channel, ?) IS NULL THEN '没有来源渠道（channel），映射也没有默认值'
              WHEN coalesce(kind, ?) IS NULL THEN '没有诉求类型（kind），映射也没有默认值'
              WHEN coalesce(category, ?) IS NULL THEN '没有一级分类（category），映射也没有默认值'
            END
            """, [def(.channel), def(.kind), def(.category)])
        for r in try db.writerRows("SELECT _file, _line, _reject FROM staging WHERE _reject IS NOT NULL ORDER BY _file, _line") {
            report.reject(file: r[0].description, line: int(r[1]), reason: r[2].description)
            report.ticketsRejected += 1
        }
        try db.writerRows("DELETE FROM staging WHERE _reject IS NOT NULL")
        try db.writerRows("DELETE FROM staging WHERE id IN (SELECT id FROM main.tickets)")
        report.ticketsAlreadyInStore = db.changeCount

        // Missing rates over the tickets about to be written, before defaults fill anything.
        let fields = TicketSchema.columns.filter { $0 != "id" }
        let rates = try db.writerRows("SELECT count(*), " + fields.map { "sum(\($0) IS NULL)" }.joined(separator: ", ") + " FROM staging")[0]
        let n = max(1, int(rates[0]))
        for (i, f) in fields.enumerated() { report.missingRates[f] = Double(int(rates[i + 1])) / Double(n) }

        let status = "CASE WHEN status IS NOT NULL THEN status WHEN closed_at IS NOT NULL THEN '已办结' ELSE coalesce(?, '办理中') END"
        let derived = try db.writerRows("""
            SELECT sum(status IS NULL), sum(due_at IS NULL), sum(caller IS NULL), sum(closed_at IS NOT NULL AND (\(status)) <> '已办结'),
                   sum(channel IS NULL), sum(kind IS NULL), sum(category IS NULL), sum(urgent IS NULL), sum(content IS NULL)
            FROM staging
            """, [def(.status)])[0]
        report.count("工单状态按办结时间推算", int(derived[0]))
        report.count("办理时限按规则推算（无时限列或为空）", int(derived[1]))
        report.count("来电人缺失（每个工单单独标识）", int(derived[2]))
        report.count("未办结工单的办结时间 → NULL", int(derived[3]))
        for (i, f) in ["channel", "kind", "category", "urgent", "content"].enumerated() {
            report.count("\(f) 缺失，填默认值", int(derived[4 + i]))
        }
        try db.writerRows("""
            INSERT INTO main.tickets (\(TicketSchema.columns.joined(separator: ", ")))
            SELECT id, created_at, coalesce(channel, ?), coalesce(kind, ?), coalesce(category, ?), subcategory, district, street,
                   community, address, coalesce(content, ''), department, \(status), coalesce(urgent, ?, 0),
                   coalesce(due_at, _due, created_at), CASE WHEN (\(status)) = '已办结' THEN closed_at END,
                   satisfaction, resolved, coalesce(caller, _unknown_caller)
            FROM staging ORDER BY created_at, id
            """, [def(.channel), def(.kind), def(.category), def(.status), mapping.fields[.urgent]?.defaultValue.flatMap { Int64($0) }.map { .integer($0) } ?? .null, def(.status)])
        report.ticketsWritten = db.changeCount
    }
}
