import CSQLite

extension Database {
    /// Runs one statement with bound parameters on a connection opened with `openForWriting`
    /// and returns its rows. Only commands whose job is to write a store (`wenshu import`) use
    /// it; questions always go through `query`, which is guarded.
    @discardableResult
    public func writerRows(_ sql: String, _ params: [DBValue] = []) throws -> [[DBValue]] {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw StoreError(.prepare, "SQL 准备失败：\(lastError)", sql: sql)
        }
        defer { sqlite3_finalize(stmt) }
        bindAll(params, to: stmt)
        let n = sqlite3_column_count(stmt)
        var rows: [[DBValue]] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw StoreError(.step, "执行失败：\(lastError)", sql: sql) }
            rows.append((0..<n).map { c in
                switch sqlite3_column_type(stmt, c) {
                case SQLITE_INTEGER: return .integer(sqlite3_column_int64(stmt, c))
                case SQLITE_FLOAT: return .real(sqlite3_column_double(stmt, c))
                case SQLITE_NULL: return .null
                default: return .text(String(cString: sqlite3_column_text(stmt, c)))
                }
            })
        }
        return rows
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE on this connection.
    public var changeCount: Int { Int(sqlite3_changes64(handle)) }
}
