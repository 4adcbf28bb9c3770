import CSQLite
import Foundation

/// A SQLite connection. Opened read-only for answering questions; `openForWriting`
/// exists only for commands whose job is to write a store (`wenshu seed`).
public final class Database: @unchecked Sendable {
    let handle: OpaquePointer
    public let path: String
    /// Guard installed by `SQLGuard`; kept alive here because SQLite holds a raw pointer to it.
    var guardBox: AnyObject?
    /// Statements already prepared and checked under the installed guard, by their text
    /// (`SQLGuard.query`): the compiler writes the same text for every question of a shape,
    /// values being parameters, and preparing costs more than running most rollup queries.
    var statements: [String: OpaquePointer] = [:]
    var statementOrder: [String] = []
    static let statementCapacity = 128

    private init(handle: OpaquePointer, path: String) {
        self.handle = handle
        self.path = path
    }

    deinit {
        forgetStatements()
        sqlite3_close_v2(handle)
    }

    func forgetStatements() {
        for stmt in statements.values { sqlite3_finalize(stmt) }
        statements = [:]
        statementOrder = []
    }

    /// Opens an existing store read-only. Never creates a file.
    /// `mapped`: read pages through mmap instead of copying them with pread — only for files
    /// wenshu itself replaces atomically (the analytics cache): a store truncated in place by
    /// someone else under a mapping would kill the process with SIGBUS.
    public static func openReadOnly(_ path: String, mapped: Bool = false) throws -> Database {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.cannotOpen, "找不到工单库文件：\(path)。请用 --db 指定已有的工单库，或运行 `wenshu seed --out \(path)` 生成演示库。")
        }
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            if let db { sqlite3_close_v2(db) }
            throw StoreError(.cannotOpen, "无法打开工单库 \(path)（SQLite 错误 \(rc)）。")
        }
        sqlite3_busy_timeout(db, 2000)
        // A bigger page cache than SQLite's 2 MB default: answers re-read the same index and
        // rollup pages, and each pread of a cached-by-the-kernel page still copies 4 KB.
        sqlite3_exec(db, "PRAGMA cache_size = -16384", nil, nil, nil)
        if mapped { sqlite3_exec(db, "PRAGMA mmap_size = 1073741824", nil, nil, nil) }
        return Database(handle: db, path: path)
    }

    /// Opens (creating if needed) a store for writing: only `seed` uses this.
    public static func openForWriting(_ path: String) throws -> Database {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            if let db { sqlite3_close_v2(db) }
            throw StoreError(.cannotOpen, "无法创建工单库 \(path)（SQLite 错误 \(rc)）。")
        }
        return Database(handle: db, path: path)
    }

    /// Stops the statement running on this connection (Ctrl-C); safe from another thread.
    public func interrupt() { sqlite3_interrupt(handle) }

    var lastError: String { String(cString: sqlite3_errmsg(handle)) }

    /// Runs statements with no result (schema, pragmas) on a writable connection.
    public func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &err) != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? lastError
            sqlite3_free(err)
            throw StoreError(.write, msg, sql: sql)
        }
    }

    /// The column names of a table, empty when it does not exist.
    public func columns(of table: String) -> [String] {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(handle, "SELECT name FROM pragma_table_info(?)", -1, &stmt, nil) == SQLITE_OK else { return [] }
        defer { sqlite3_finalize(stmt) }
        sqlite3_bind_text(stmt, 1, table, -1, sqliteTransient)
        var names: [String] = []
        while sqlite3_step(stmt) == SQLITE_ROW {
            names.append(String(cString: sqlite3_column_text(stmt, 0)))
        }
        return names
    }
}

let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
