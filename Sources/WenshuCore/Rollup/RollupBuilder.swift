import CSQLite
import Foundation

/// What a cache was built from: the store file's size and modification time, and those of
/// its write-ahead log (a WAL store takes appends there, not in the main file). Checked with
/// two `stat` calls before every answer, so no answer comes from a cache of another state.
public struct StoreFingerprint: Hashable, Sendable, CustomStringConvertible {
    let size: Int64, mtime: Int64, walSize: Int64, walMtime: Int64

    public init?(path: String) {
        guard let main = StoreFingerprint.fileState(path) else { return nil }
        let wal = StoreFingerprint.fileState(path + "-wal") ?? (0, 0)
        size = main.0; mtime = main.1; walSize = wal.0; walMtime = wal.1
    }

    init?(parsing s: String) {
        let p = s.split(separator: ":").compactMap { Int64($0) }
        guard p.count == 4 else { return nil }
        size = p[0]; mtime = p[1]; walSize = p[2]; walMtime = p[3]
    }

    public var description: String { "\(size):\(mtime):\(walSize):\(walMtime)" }

    /// (size, modification time in ns).
    private static func fileState(_ path: String) -> (Int64, Int64)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        #if os(Linux)
        let ns = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        #else
        let ns = Int64(st.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(st.st_mtimespec.tv_nsec)
        #endif
        return (Int64(st.st_size), ns)
    }
}

/// Writes the analytics cache: a separate SQLite file beside nothing of the store's. The
/// store is attached read-only (`mode=ro`), read in one transaction (one consistent state),
/// and every table is built into a temporary file renamed into place when complete.
enum RollupBuilder {
    static let version = "2"

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Builds the cache for `store` at `file`; returns the tables and the fingerprint the
    /// store had throughout the build (nil when it changed meanwhile).
    static func build(store: String, file: String, progress: ((String) -> Void)?) throws -> ([RollupTable], StoreFingerprint)? {
        guard let before = StoreFingerprint(path: store) else { throw Failure(description: "找不到工单库 \(store)") }
        let dir = (file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let tmp = file + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        try? FileManager.default.removeItem(atPath: tmp)
        var handle: OpaquePointer?
        guard sqlite3_open_v2(tmp, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db = handle else {
            if let handle { sqlite3_close_v2(handle) }
            throw Failure(description: "无法创建分析缓存 \(tmp)")
        }
        var keep = false
        defer {
            if handle != nil { sqlite3_close_v2(db) }
            if !keep { try? FileManager.default.removeItem(atPath: tmp) }
        }
        func exec(_ sql: String, _ params: [DBValue] = []) throws {
            var stmt: OpaquePointer?
            guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
                throw Failure(description: "\(String(cString: sqlite3_errmsg(db))) in \(sql)")
            }
            defer { sqlite3_finalize(stmt) }
            bindAll(params, to: stmt)
            var rc = sqlite3_step(stmt)
            while rc == SQLITE_ROW { rc = sqlite3_step(stmt) }
            guard rc == SQLITE_DONE else { throw Failure(description: "\(String(cString: sqlite3_errmsg(db))) in \(sql)") }
        }
        func count(_ table: String) -> Int {
            var stmt: OpaquePointer?
            guard sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM \(table)", -1, &stmt, nil) == SQLITE_OK, let stmt else { return 0 }
            defer { sqlite3_finalize(stmt) }
            return sqlite3_step(stmt) == SQLITE_ROW ? Int(sqlite3_column_int64(stmt, 0)) : 0
        }
        try exec("PRAGMA journal_mode = OFF")
        try exec("PRAGMA synchronous = OFF")
        try exec("PRAGMA temp_store = MEMORY")
        let uri = URL(fileURLWithPath: store).absoluteString + "?mode=ro"
        try exec("ATTACH DATABASE ? AS src", [.text(uri)])
        try exec("BEGIN")
        // The parts, written with the compiler's own conditions so both paths mean the same.
        let compiler = SQLCompiler(now: Now.wallClock())
        var rawParts: [Fragment] = [Fragment("COUNT(*) AS \(RollupTable.countColumn)")]
        for (t, col) in RollupTable.partColumns {
            rawParts.append(Fragment("SUM(") + compiler.tallyCondition(t) + Fragment(") AS \(col)"))
        }
        let hours = compiler.dialect.hoursBetween("created_at", "closed_at")
        let closed = compiler.tallyCondition(.closed)
        rawParts.append(Fragment("SUM(CASE WHEN ") + closed + Fragment(" THEN \(hours) END) AS \(RollupTable.hoursSum)"))
        rawParts.append(Fragment("COUNT(CASE WHEN ") + closed + Fragment(" THEN \(hours) END) AS \(RollupTable.hoursCount)"))
        let rawList = rawParts.dropFirst().reduce(rawParts[0]) { $0 + Fragment(", ") + $1 }
        let summed = RollupTable.valueColumns.map { "SUM(\($0)) AS \($0)" }.joined(separator: ", ")
        // A well-formed timestamp becomes its day; anything else stays as it is, so every
        // comparison and label the compiler writes gives the same answer on both.
        let ts = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'"
        let dayOf = "CASE WHEN created_at GLOB \(ts) THEN substr(created_at, 1, 10) || ' 00:00:00' ELSE created_at END"
        let monthOf = "CASE WHEN created_at GLOB \(ts) THEN substr(created_at, 1, 7) || '-01 00:00:00' ELSE created_at END"

        var tables: [RollupTable] = []
        let started = Date()
        for (i, e) in RollupLattice.entries.enumerated() {
            let dims = e.dims.joined(separator: ", ")
            let day = RollupLattice.tableName(e.name, .day), month = RollupLattice.tableName(e.name, .month)
            // The finest grain this entry has, from its source (or the store).
            let first = e.monthOnly ? month : day
            if let s = e.source {
                try exec("CREATE TABLE \(first) AS SELECT created_at, \(dims), \(summed) FROM \(RollupLattice.tableName(s, e.monthOnly ? .month : .day)) GROUP BY created_at, \(dims)")
            } else {
                var b = SQLBuilder(dialect: compiler.dialect)
                b.append(Fragment("CREATE TABLE \(first) AS SELECT \(e.monthOnly ? monthOf : dayOf) AS created_at, \(dims), ") + rawList + Fragment(" FROM src.tickets GROUP BY 1, \(dims)"))
                try exec(b.sql, b.params)
            }
            if !e.monthOnly {
                try exec("CREATE TABLE \(month) AS SELECT \(monthOf) AS created_at, \(dims), \(summed) FROM \(day) GROUP BY 1, \(dims)")
                try exec("CREATE INDEX ix_\(day) ON \(day)(created_at)")
                tables.append(RollupTable(name: day, dims: e.dims, grain: .day, rows: count(day)))
            }
            try exec("CREATE INDEX ix_\(month) ON \(month)(created_at)")
            tables.append(RollupTable(name: month, dims: e.dims, grain: .month, rows: count(month)))
            progress?(String(format: "分析缓存 %d/%d：%@（%@%d 行按月），%.1f 秒", i + 1, RollupLattice.entries.count, e.name,
                             e.monthOnly ? "" : "\(tables[tables.count - 2].rows) 行按日，", tables[tables.count - 1].rows, Date().timeIntervalSince(started)))
        }
        try exec("CREATE TABLE rollup_meta (key TEXT PRIMARY KEY, value TEXT)")
        try exec("CREATE TABLE rollup_tables (name TEXT, grain TEXT, dims TEXT, nrows INTEGER)")
        try exec("INSERT INTO rollup_meta VALUES ('version', ?), ('store', ?), ('built_at', ?)",
                 [.text(version), .text(store), .text(ISO8601DateFormatter().string(from: Date()))])
        for t in tables {
            try exec("INSERT INTO rollup_tables VALUES (?, ?, ?, ?)", [.text(t.name), .text(t.grain.rawValue), .text(t.dims.joined(separator: ",")), .integer(Int64(t.rows))])
        }
        try exec("COMMIT")
        try exec("DETACH DATABASE src")
        // The store must not have changed while it was read; else this cache describes
        // a state that may already be gone.
        guard let after = StoreFingerprint(path: store), after == before else { return nil }
        try exec("INSERT INTO rollup_meta VALUES ('fingerprint', ?)", [.text(before.description)])
        sqlite3_close_v2(db)
        handle = nil
        guard rename(tmp, file) == 0 else { throw Failure(description: "无法写入分析缓存 \(file)") }
        keep = true
        return (tables, before)
    }
}
