import CSQLite

/// A prepared INSERT reused for many rows (only `wenshu seed` writes).
public final class RowWriter {
    private let stmt: OpaquePointer
    private let db: Database

    public init(db: Database, sql: String) throws {
        var s: OpaquePointer?
        guard sqlite3_prepare_v2(db.handle, sql, -1, &s, nil) == SQLITE_OK, let s else {
            throw StoreError(.write, "无法准备写入语句：\(db.lastError)", sql: sql)
        }
        stmt = s
        self.db = db
    }

    deinit { sqlite3_finalize(stmt) }

    public func insert(_ values: [DBValue]) throws {
        sqlite3_reset(stmt)
        bindAll(values, to: stmt)
        guard sqlite3_step(stmt) == SQLITE_DONE else { throw StoreError(.write, "写入失败：\(db.lastError)") }
    }
}

/// Binds values to a statement's parameters 1…n (text is copied by SQLite).
func bindAll(_ values: [DBValue], to stmt: OpaquePointer) {
    for (i, v) in values.enumerated() {
        let idx = Int32(i + 1)
        switch v {
        case .null: sqlite3_bind_null(stmt, idx)
        case .integer(let x): sqlite3_bind_int64(stmt, idx, x)
        case .real(let x): sqlite3_bind_double(stmt, idx, x)
        case .text(let t): sqlite3_bind_text(stmt, idx, t, -1, sqliteTransient)
        }
    }
}
