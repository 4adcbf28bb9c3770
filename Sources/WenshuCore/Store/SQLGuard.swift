import CSQLite
import Foundation

/// What a statement may touch. The authorizer refuses anything else at prepare time,
/// so even a compiler bug cannot read an unknown table or write.
public struct SQLPolicy: Sendable {
    public var tables: [String: Set<String>]
    public var functions: Set<String>
    public var rowCap: Int
    public var timeCap: Double

    public static let tickets = SQLPolicy(
        tables: ["tickets": Set(TicketSchema.columns)],
        functions: ["count", "sum", "avg", "min", "max", "substr", "date", "julianday", "nullif",
                    "coalesce", "round", "strftime", "ifnull", "abs", "like", "rank", "row_number"],
        rowCap: 1000,
        timeCap: 10
    )
}

/// Heap box handed to SQLite's C callbacks.
final class GuardState {
    let policy: SQLPolicy
    var deadline: UInt64 = .max
    var denied: String?
    init(policy: SQLPolicy) { self.policy = policy }
}

extension Database {
    /// Installs the authorizer and the progress handler that enforce `policy`.
    public func install(policy: SQLPolicy) {
        let state = GuardState(policy: policy)
        guardBox = state
        // Statements were checked against the old policy.
        forgetStatements()
        let ctx = Unmanaged.passUnretained(state).toOpaque()
        sqlite3_set_authorizer(handle, { ctx, action, arg1, arg2, _, _ in
            let state = Unmanaged<GuardState>.fromOpaque(ctx!).takeUnretainedValue()
            let a1 = arg1.map { String(cString: $0) } ?? ""
            let a2 = arg2.map { String(cString: $0) } ?? ""
            switch action {
            case SQLITE_SELECT:
                return SQLITE_OK
            case SQLITE_READ:
                if let cols = state.policy.tables[a1], a2.isEmpty || cols.contains(a2) { return SQLITE_OK }
                state.denied = "read of \(a1).\(a2)"
                return SQLITE_DENY
            case SQLITE_FUNCTION:
                if state.policy.functions.contains(a2.lowercased()) { return SQLITE_OK }
                state.denied = "function \(a2)"
                return SQLITE_DENY
            default:
                state.denied = "action \(action)"
                return SQLITE_DENY
            }
        }, ctx)
        sqlite3_progress_handler(handle, 2000, { ctx in
            let state = Unmanaged<GuardState>.fromOpaque(ctx!).takeUnretainedValue()
            return DispatchTime.now().uptimeNanoseconds > state.deadline ? 1 : 0
        }, ctx)
    }

    /// Prepares, checks and runs one generated statement with bound parameters.
    /// Refuses a second statement, a writing statement and anything the policy denies;
    /// stops at the row cap and the time cap.
    public func query(_ sql: String, _ params: [DBValue], rowCap: Int? = nil) throws -> (columns: [String], rows: [[DBValue]], truncated: Bool) {
        try query(sql, params, rowCap: rowCap, timeCap: nil)
    }

    /// The same with its own time budget (learning a store's values is not a question).
    public func query(_ sql: String, _ params: [DBValue], rowCap: Int?, timeCap: Double?) throws -> (columns: [String], rows: [[DBValue]], truncated: Bool) {
        guard let state = guardBox as? GuardState else {
            throw StoreError(.denied, "internal: no SQL guard installed", sql: sql)
        }
        state.denied = nil
        let stmt = try prepared(sql, state: state)
        // Reset when done, whatever happened: a statement left stepping would hold its read
        // transaction open (an old snapshot, and no checkpoint of a WAL store).
        defer { sqlite3_reset(stmt); sqlite3_clear_bindings(stmt) }
        guard Int(sqlite3_bind_parameter_count(stmt)) == params.count else {
            throw StoreError(.denied, "SQL 校验未通过：参数个数不符。", sql: sql)
        }
        bindAll(params, to: stmt)
        let n = Int(sqlite3_column_count(stmt))
        let columns = (0..<n).map { String(cString: sqlite3_column_name(stmt, Int32($0))) }
        let cap = rowCap ?? state.policy.rowCap
        let seconds = timeCap ?? state.policy.timeCap
        state.deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        defer { state.deadline = .max }
        var rows: [[DBValue]] = []
        var truncated = false
        while true {
            let step = sqlite3_step(stmt)
            if step == SQLITE_DONE { break }
            if step == SQLITE_INTERRUPT, DispatchTime.now().uptimeNanoseconds <= state.deadline {
                throw StoreError(.cancelled, "查询已取消。", sql: sql)
            }
            if step == SQLITE_INTERRUPT {
                throw StoreError(.timeout, "查询超过 \(Int(seconds)) 秒上限，已中止。请缩小时间范围或条件后再试。", sql: sql)
            }
            guard step == SQLITE_ROW else {
                throw StoreError(.step, "查询失败：\(lastError)", sql: sql)
            }
            if rows.count >= cap { truncated = true; break }
            var row: [DBValue] = []
            row.reserveCapacity(n)
            for c in 0..<Int32(n) {
                switch sqlite3_column_type(stmt, c) {
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(stmt, c)))
                case SQLITE_FLOAT: row.append(.real(sqlite3_column_double(stmt, c)))
                case SQLITE_NULL: row.append(.null)
                default: row.append(.text(String(cString: sqlite3_column_text(stmt, c))))
                }
            }
            rows.append(row)
        }
        return (columns, rows, truncated)
    }

    /// The statement for `sql`, prepared and checked once (one statement, read-only, every
    /// table, column and function allowed by the authorizer at prepare time; SQLite
    /// re-prepares under the same authorizer if the schema changes).
    private func prepared(_ sql: String, state: GuardState) throws -> OpaquePointer {
        if let stmt = statements[sql] { return stmt }
        var stmt: OpaquePointer?
        let bytes = Array(sql.utf8CString)
        // The tail points into `bytes`: read it before the buffer goes away.
        var rest = ""
        let rc = bytes.withUnsafeBufferPointer { buf -> Int32 in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v3(handle, buf.baseAddress, Int32(buf.count), UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, &tail)
            if let tail { rest = String(cString: tail) }
            return rc
        }
        guard rc == SQLITE_OK, let stmt else {
            if let denied = state.denied {
                throw StoreError(.denied, "SQL 校验未通过（\(denied)）。", sql: sql)
            }
            let msg = lastError
            if msg.contains("no such table") || msg.contains("no such column") {
                throw StoreError(.notATicketStore, "这不是一个工单库：\(msg)。", sql: sql)
            }
            throw StoreError(.prepare, "SQL 准备失败：\(msg)", sql: sql)
        }
        var keep = false
        defer { if !keep { sqlite3_finalize(stmt) } }
        if !rest.allSatisfy({ $0.isWhitespace || $0 == ";" }) {
            throw StoreError(.denied, "SQL 校验未通过：只允许一条语句。", sql: sql)
        }
        guard sqlite3_stmt_readonly(stmt) != 0 else {
            throw StoreError(.denied, "SQL 校验未通过：只允许只读语句。", sql: sql)
        }
        if statementOrder.count >= Database.statementCapacity {
            let old = statementOrder.removeFirst()
            statements.removeValue(forKey: old).map { _ = sqlite3_finalize($0) }
        }
        statements[sql] = stmt
        statementOrder.append(sql)
        keep = true
        return stmt
    }
}
