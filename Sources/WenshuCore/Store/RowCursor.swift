import CSQLite

/// Reads a whole table row by row without the query guard's caps: for copying a store
/// elsewhere (`wenshu seed --to postgres://…`), never for answering questions.
public final class RowCursor {
    private let stmt: OpaquePointer
    private let db: Database
    public let columns: [String]

    public init(db: Database, sql: String) throws {
        var s: OpaquePointer?
        guard sqlite3_prepare_v2(db.handle, sql, -1, &s, nil) == SQLITE_OK, let s else {
            throw StoreError(.prepare, "无法读取工单库：\(db.lastError)", sql: sql)
        }
        guard sqlite3_stmt_readonly(s) != 0 else {
            sqlite3_finalize(s)
            throw StoreError(.denied, "只允许只读语句。", sql: sql)
        }
        stmt = s
        self.db = db
        columns = (0..<sqlite3_column_count(s)).map { String(cString: sqlite3_column_name(s, $0)) }
    }

    deinit { sqlite3_finalize(stmt) }

    /// The next row, nil at the end.
    public func next() throws -> [DBValue]? {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_DONE { return nil }
        guard rc == SQLITE_ROW else { throw StoreError(.step, "读取失败：\(db.lastError)") }
        return (0..<Int32(columns.count)).map { c in
            switch sqlite3_column_type(stmt, c) {
            case SQLITE_INTEGER: return .integer(sqlite3_column_int64(stmt, c))
            case SQLITE_FLOAT: return .real(sqlite3_column_double(stmt, c))
            case SQLITE_NULL: return .null
            default: return .text(String(cString: sqlite3_column_text(stmt, c)))
            }
        }
    }
}
