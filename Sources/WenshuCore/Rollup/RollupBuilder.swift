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
/// store is attached read-only (`mode=ro`) and read in one transaction (one consistent state).
/// A build reads every ticket once (RollupScan) into a temporary file renamed into place when
/// complete; a fold adds the tickets appended since, in one transaction on the cache file.
enum RollupBuilder {
    static let version = "8"

    /// The dimensions a table is indexed on (with the day): its first place or department,
    /// and its subcategory.
    static func indexedDimensions(_ dims: [String]) -> [String] {
        var out: [String] = []
        if let first = dims.first, ["district", "street", "department"].contains(first) { out.append(first) }
        if dims.contains("subcategory") { out.append("subcategory") }
        return out
    }
    /// The order rows are stored in within a day (month): the subcategory first (the
    /// dimension most questions over the big tables name), unless the table is a department's;
    /// then the table's own order, places from coarse to fine.
    static func clusterOrder(_ dims: [String]) -> [String] {
        guard dims.first != "department", let i = dims.firstIndex(of: "subcategory") else { return dims }
        var out = dims
        out.remove(at: i)
        return ["subcategory"] + out
    }
    /// An order of two values of one column (the day, a district): text by its characters,
    /// after anything else. Only speed depends on it (the order rows are written in).
    static func storageOrder(_ a: DBValue, _ b: DBValue) -> Bool {
        switch (a, b) {
        case (.text(let x), .text(let y)): return x < y
        case (.text, _): return false
        case (_, .text): return true
        default: return a.description < b.description
        }
    }
    /// Tables up to this many rows get indexes holding every column (RollupBuilder.write).
    static let fullIndexRows = 200_000
    /// Numbers the rows of a rollup table (part of its primary key, never read by answers).
    static let sequenceColumn = "seq"

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// What the cache records about the rows it was built from (rollup_meta).
    struct Basis {
        var fingerprint: StoreFingerprint
        var maxRowid: Int64
        var count: Int
        var checksum: UInt64
        /// Rows written by the build, and rows added by folds since (a fold adds rows, so
        /// too many folds make a rebuild cheaper to read).
        var builtRows: Int
        var foldedRows: Int
    }

    enum Outcome: Equatable {
        case built, folded(tickets: Int), alreadyCurrent
    }

    /// A connection to a cache file with the store attached read-only as `src`.
    final class Connection {
        let db: OpaquePointer
        init(file: String, store: String, create: Bool) throws {
            var handle: OpaquePointer?
            let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0)
            guard sqlite3_open_v2(file, &handle, flags, nil) == SQLITE_OK, let h = handle else {
                if let handle { sqlite3_close_v2(handle) }
                throw Failure(description: "无法打开分析缓存 \(file)")
            }
            db = h
            sqlite3_busy_timeout(db, 10_000)
            try exec("ATTACH DATABASE ? AS src", [.text(URL(fileURLWithPath: store).absoluteString + "?mode=ro")])
        }
        deinit { sqlite3_close_v2(db) }

        func prepare(_ sql: String) throws -> OpaquePointer {
            var stmt: OpaquePointer?
            guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
                throw Failure(description: "\(String(cString: sqlite3_errmsg(db))) in \(sql)")
            }
            return stmt
        }

        func exec(_ sql: String, _ params: [DBValue] = []) throws {
            _ = try rows(sql, params)
        }

        func rows(_ sql: String, _ params: [DBValue] = []) throws -> [[DBValue]] {
            let stmt = try prepare(sql)
            defer { sqlite3_finalize(stmt) }
            bindAll(params, to: stmt)
            var out: [[DBValue]] = []
            var rc = sqlite3_step(stmt)
            while rc == SQLITE_ROW {
                out.append((0..<sqlite3_column_count(stmt)).map { ValueIDs.value(stmt, $0) })
                rc = sqlite3_step(stmt)
            }
            guard rc == SQLITE_DONE else { throw Failure(description: "\(String(cString: sqlite3_errmsg(db))) in \(sql)") }
            return out
        }

        func maxRowid() throws -> Int64 {
            if case .integer(let m)? = try rows("SELECT max(rowid) FROM src.tickets").first?.first { return m }
            return Int64.min
        }
    }

    /// Builds the cache for `store` at `file`; returns the tables and the fingerprint the
    /// store had throughout the build (nil when it changed meanwhile).
    static func build(store: String, file: String, progress: ((String) -> Void)?) throws -> ([RollupTable], StoreFingerprint)? {
        guard let before = StoreFingerprint(path: store) else { throw Failure(description: "找不到工单库 \(store)") }
        let dir = (file as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let tmp = file + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        try? FileManager.default.removeItem(atPath: tmp)
        var keep = false
        defer { if !keep { try? FileManager.default.removeItem(atPath: tmp) } }
        let started = Date()
        var tables: [RollupTable] = []
        do {
            let c = try Connection(file: tmp, store: store, create: true)
            try c.exec("PRAGMA journal_mode = OFF")
            try c.exec("PRAGMA synchronous = OFF")
            try c.exec("BEGIN")
            let top = try c.maxRowid()
            var scan = RollupScan()
            scan.daysFrom = try recentStart(c)
            try scan.read(c.db, after: Int64.min, upTo: top, aggregate: true) { n in
                progress?(String(format: "分析缓存：已读 %d 条工单，%.1f 秒", n, Date().timeIntervalSince(started)))
            }
            scan.derive()
            progress?(String(format: "分析缓存：已读 %d 条工单，汇总完成，%.1f 秒；写入…", scan.count, Date().timeIntervalSince(started)))
            tables = try write(scan, to: c, create: true)
            let rows = tables.reduce(0) { $0 + $1.rows }
            try c.exec("CREATE TABLE rollup_meta (key TEXT PRIMARY KEY, value TEXT)")
            try c.exec("CREATE TABLE rollup_tables (name TEXT PRIMARY KEY, grain TEXT, dims TEXT, nrows INTEGER, days_from TEXT, periods INTEGER)")
            try c.exec("INSERT INTO rollup_meta VALUES ('version', ?), ('store', ?), ('built_at', ?)",
                       [.text(version), .text(store), .text(ISO8601DateFormatter().string(from: Date()))])
            try saveStoreEnd(c, after: Int64.min, upTo: top, previous: nil)
            for t in tables {
                try c.exec("INSERT INTO rollup_tables VALUES (?, ?, ?, ?, ?, ?)", [.text(t.name), .text(t.grain.rawValue), .text(t.dims.joined(separator: ",")),
                                                                             .integer(Int64(t.rows)), t.daysFrom.map { .text($0) } ?? .null, .integer(Int64(t.periods))])
            }
            try c.exec("COMMIT")
            try c.exec("DETACH DATABASE src")
            // The store must not have changed while it was read; else this cache describes
            // a state that may already be gone.
            guard let after = StoreFingerprint(path: store), after == before else { return nil }
            try saveBasis(Basis(fingerprint: before, maxRowid: top, count: scan.count, checksum: scan.checksum, builtRows: rows, foldedRows: 0), c)
            progress?(String(format: "分析缓存完成：%d 条工单，%d 张表，%d 行，%.1f 秒", scan.count, tables.count, rows, Date().timeIntervalSince(started)))
        }
        guard rename(tmp, file) == 0 else { throw Failure(description: "无法写入分析缓存 \(file)") }
        keep = true
        return (tables, before)
    }

    /// Adds the tickets appended to the store since the cache was last built or folded, in one
    /// transaction on the cache file. nil when that is not what happened (rows changed or
    /// deleted below the recorded max rowid, nothing appended, the store changing meanwhile,
    /// too many folds): the caller rebuilds.
    ///
    /// What is checked, honestly: the store's rows up to the recorded max rowid are read again
    /// (no aggregation, no writes) and must have the recorded count and checksum of every value
    /// the cache is derived from (day, month, place, kind, channel, category, subcategory,
    /// department, status, urgent, whether closed_at is NULL, due_at of open tickets, each
    /// part's per-ticket value, hours). A status update, a closing, a deletion or an edited
    /// place of an old ticket all change it. Edits that change nothing the cache holds (content,
    /// address, caller, the time within the day) are not detected, and need not be.
    static func fold(store: String, file: String, progress: ((String) -> Void)?) throws -> Outcome? {
        guard let before = StoreFingerprint(path: store), FileManager.default.fileExists(atPath: file) else { return nil }
        let started = Date()
        let c = try Connection(file: file, store: store, create: false)
        // One writer at a time (another process may be folding the same rows).
        try c.exec("BEGIN IMMEDIATE")
        var done = false
        defer { if !done { try? c.exec("ROLLBACK") } }
        guard let basis = try loadBasis(c) else { return nil }
        if basis.fingerprint == before {
            try c.exec("COMMIT"); done = true
            return .alreadyCurrent
        }
        let top = try c.maxRowid()
        guard top > basis.maxRowid else { return nil }
        var old = RollupScan()
        try old.read(c.db, after: Int64.min, upTo: basis.maxRowid, aggregate: false)
        guard old.count == basis.count, old.checksum == basis.checksum else { return nil }
        var scan = RollupScan()
        scan.daysFrom = try c.rows("SELECT days_from FROM rollup_tables WHERE days_from IS NOT NULL LIMIT 1").first?.first?.stringValue
        try scan.read(c.db, after: basis.maxRowid, upTo: top, aggregate: true)
        scan.derive()
        let added = scan.tables.values.reduce(0) { $0 + $1.count }
        guard basis.foldedRows + added <= max(20_000, basis.builtRows / 4) else { return nil }
        let tables = try write(scan, to: c, create: false)
        try saveStoreEnd(c, after: basis.maxRowid, upTo: top, previous: try c.rows("SELECT value FROM rollup_meta WHERE key = 'store_end'").first?.first?.stringValue)
        for t in tables { try c.exec("UPDATE rollup_tables SET nrows = nrows + ? WHERE name = ?", [.integer(Int64(t.rows)), .text(t.name)]) }
        guard let after = StoreFingerprint(path: store), after == before else { return nil }
        try saveBasis(Basis(fingerprint: before, maxRowid: top, count: basis.count + scan.count, checksum: basis.checksum &+ scan.checksum,
                            builtRows: basis.builtRows, foldedRows: basis.foldedRows + added), c)
        try c.exec("COMMIT"); done = true
        progress?(String(format: "分析缓存：并入新增工单 %d 条（%d 行），%.1f 秒", scan.count, added, Date().timeIntervalSince(started)))
        return .folded(tickets: scan.count)
    }

    /// Where the recent-days tables start: the 1st of the month two months before the latest
    /// day with tickets (so 近30天, 近60天 and the days of this month are in them). Tickets dated
    /// after tomorrow by the wall clock are left out of "latest" (a mistyped year would
    /// otherwise leave the tables empty of every day questions ask about), unless every one is.
    static func recentStart(_ c: Connection) throws -> String {
        let tomorrow = Now.wallClock().day.adding(days: 2).timestamp
        let ts = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'"
        var latest = try c.rows("SELECT max(created_at) FROM src.tickets WHERE created_at GLOB \(ts) AND created_at < ?", [.text(tomorrow)]).first?.first?.stringValue
        if latest == nil { latest = try c.rows("SELECT max(created_at) FROM src.tickets WHERE created_at GLOB \(ts)").first?.first?.stringValue }
        guard let d = latest.flatMap(Day.init(parsing:)) else { return noDays }
        return Day(d.year, d.month, 1).adding(months: -2).timestamp
    }

    /// The start of recent-days tables of a store without a dated ticket: no day a question
    /// can name (years end at 9999) is at or after it, so the router never reads them.
    static let noDays = "9999-99-99 00:00:00"

    /// Records the largest text `created_at` of the rows read (with the one recorded before a
    /// fold), compared as SQLite compares them: no ticket's `created_at` is at or after a range
    /// end beyond it (RollupRouter.extended). Without any text value nothing is recorded.
    static func saveStoreEnd(_ c: Connection, after: Int64, upTo: Int64, previous: String?) throws {
        let r = try c.rows("SELECT max(v) FROM (SELECT ? AS v UNION ALL SELECT max(created_at) FROM src.tickets WHERE rowid > ? AND rowid <= ? AND typeof(created_at) = 'text')",
                           [previous.map { .text($0) } ?? .null, .integer(after), .integer(upTo)])
        try c.exec("DELETE FROM rollup_meta WHERE key = 'store_end'")
        if let end = r.first?.first?.stringValue {
            try c.exec("INSERT INTO rollup_meta VALUES ('store_end', ?)", [.text(end)])
        }
    }

    static func loadBasis(_ c: Connection) throws -> Basis? {
        var m: [String: String] = [:]
        for r in try c.rows("SELECT key, value FROM rollup_meta") { if let k = r[0].stringValue, let v = r[1].stringValue { m[k] = v } }
        guard m["version"] == version, let fp = m["fingerprint"].flatMap(StoreFingerprint.init(parsing:)),
              let top = m["max_rowid"].flatMap({ Int64($0) }), let n = m["count"].flatMap({ Int($0) }),
              let sum = m["checksum"].flatMap({ UInt64($0) }), let b = m["built_rows"].flatMap({ Int($0) }),
              let f = m["folded_rows"].flatMap({ Int($0) }) else { return nil }
        return Basis(fingerprint: fp, maxRowid: top, count: n, checksum: sum, builtRows: b, foldedRows: f)
    }

    static func saveBasis(_ b: Basis, _ c: Connection) throws {
        for (k, v) in [("fingerprint", b.fingerprint.description), ("max_rowid", String(b.maxRowid)), ("count", String(b.count)),
                       ("checksum", String(b.checksum)), ("built_rows", String(b.builtRows)), ("folded_rows", String(b.foldedRows))] {
            try c.exec("INSERT OR REPLACE INTO rollup_meta VALUES (?, ?)", [.text(k), .text(v)])
        }
    }

    /// Writes the scan's cells (creating the tables on a build, appending rows on a fold) and
    /// its open tickets. Returns the tables with the rows written.
    static func write(_ scan: RollupScan, to c: Connection, create: Bool) throws -> [RollupTable] {
        var out: [RollupTable] = []
        let values = scan.values.values
        let order: [String] = RollupLattice.entries.flatMap(RollupLattice.tableNames)
        let recent = Set(RollupLattice.entries.compactMap(RollupLattice.recentDayTable))
        for name in order {
            guard let t = scan.tables[name] else { continue }
            let cols = ["created_at"] + t.dims + RollupTable.valueColumns + [RollupBuilder.sequenceColumn]
            // No declared types: every value keeps the type it had in the store. Clustered by
            // time (WITHOUT ROWID): a range reads neighbouring pages, no index-then-table lookups;
            // `seq` keeps rows of one cell apart (a fold adds rows for cells already there).
            if create {
                try c.exec("CREATE TABLE \(name) (\(cols.joined(separator: ", ")), PRIMARY KEY (created_at, \(RollupBuilder.sequenceColumn))) WITHOUT ROWID")
            }
            var seq: Int64 = 0
            if !create, case .integer(let m)? = try c.rows("SELECT max(\(RollupBuilder.sequenceColumn)) FROM \(name)").first?.first { seq = m }
            let stmt = try c.prepare("INSERT INTO \(name) VALUES (\(cols.map { _ in "?" }.joined(separator: ", ")))")
            defer { sqlite3_finalize(stmt) }
            let nd = t.dims.count, np = RollupScan.partCount, stride = RollupScan.Cells.stride
            // Rows of one day (month) are stored in the order of clusterOrder's dimensions, so
            // the rows an index finds for one subcategory or place sit on neighbouring pages:
            // found one by one through the index, scattered rows cost a page each.
            // (The first two dimensions of that order decide it: enough to keep a subcategory's or
            // a place's rows together, and one integer compare per step of the sort.)
            let pos = clusterOrder(t.dims).prefix(2).map { d in t.dims.firstIndex(of: d)! + 1 }
            let sortKeys: [UInt64] = t.keys.map { k in
                pos.reduce(UInt64(0)) { ($0 << 32) | UInt64(UInt32(bitPattern: k[$1])) }
            }
            // Days (months) in time order too: inserts then append to the table's b-tree.
            let times = Set(t.keys.lazy.map { $0[0] }).sorted { RollupBuilder.storageOrder(values[Int($0)], values[Int($1)]) }
            let rank = Dictionary(uniqueKeysWithValues: times.enumerated().map { ($1, $0) })
            let timeRanks: [Int] = t.keys.map { rank[$0[0]] ?? 0 }
            let sorted = t.keys.indices.sorted { a, b in
                if timeRanks[a] != timeRanks[b] { return timeRanks[a] < timeRanks[b] }
                return sortKeys[a] != sortKeys[b] ? sortKeys[a] < sortKeys[b] : a < b
            }
            for i in sorted {
                let k = t.keys[i]
                sqlite3_reset(stmt)
                var vals: [DBValue] = [values[Int(k[0])]]
                for j in 0..<nd { vals.append(values[Int(k[j + 1])]) }
                let b = i * stride
                func part(_ p: Int) -> DBValue { t.ints[b + 1 + p] == .min ? .null : .integer(t.ints[b + 1 + p]) }
                vals.append(.integer(t.ints[b]))
                for p in 0..<(np - 1) { vals.append(part(p)) }
                vals.append(t.hours[i].isNaN ? .null : .real(t.hours[i]))
                vals.append(.integer(t.ints[b + stride - 1]))
                vals.append(part(np - 1))
                seq += 1
                vals.append(.integer(seq))
                bindAll(vals, to: stmt)
                guard sqlite3_step(stmt) == SQLITE_DONE else { throw Failure(description: String(cString: sqlite3_errmsg(c.db))) }
            }
            // Questions name a place or a subcategory more often than not: those rows are found by
            // an index on that dimension and the day instead of reading every row of the range.
            if create {
                // Each index also holds the other dimensions and the ticket count: counting
                // questions (most of them) read the index alone, with no lookup of each row
                // in the table (at 1,000,000 tickets 4× faster for a subcategory's streets
                // over a year, for about a fifth more file). A small table's indexes hold every
                // part too: a district's rate over 30 days, 0.062 → 0.024 ms.
                let parts = t.count <= RollupBuilder.fullIndexRows ? RollupTable.valueColumns : [RollupTable.countColumn]
                for d in RollupBuilder.indexedDimensions(t.dims) {
                    let cols = [d, "created_at"] + t.dims.filter { $0 != d } + parts
                    try c.exec("CREATE INDEX ix_\(name)_\(d) ON \(name)(\(cols.joined(separator: ", ")))")
                }
            }
            var table = RollupTable(name: name, dims: t.dims, grain: t.grain, rows: t.count)
            if recent.contains(name) { table.daysFrom = scan.daysFrom ?? RollupBuilder.noDays }
            table.periods = times.count
            out.append(table)
        }
        if create { try c.exec("CREATE TABLE \(OpenTickets.name) (\(OpenTickets.columns.joined(separator: ", ")))") }
        let stmt = try c.prepare("INSERT INTO \(OpenTickets.name) VALUES (\(OpenTickets.columns.map { _ in "?" }.joined(separator: ", ")))")
        defer { sqlite3_finalize(stmt) }
        // By district, then day: the open tickets one district's answer reads through the
        // index sit together (rows: day, month, then OpenTickets.dims).
        let district = 2 + OpenTickets.dims.firstIndex(of: "district")!
        let open = scan.open.enumerated().sorted { a, b in
            let x = a.element, y = b.element
            if x[district] != y[district] { return RollupBuilder.storageOrder(x[district], y[district]) }
            if x[0] != y[0] { return RollupBuilder.storageOrder(x[0], y[0]) }
            return a.offset < b.offset
        }.map(\.element)
        for r in open {
            sqlite3_reset(stmt)
            bindAll(r + [.integer(1)], to: stmt)
            guard sqlite3_step(stmt) == SQLITE_DONE else { throw Failure(description: String(cString: sqlite3_errmsg(c.db))) }
        }
        // 超期 reads the open tickets of the plan's range (at day or month grain), often of one
        // district: without these every answer with 超期 read all of them. Each index holds every
        // column (the table is small: 7,787 rows at 1,000,000 tickets), so it is read alone.
        if create {
            for keys in [["created_at"], ["month"], ["district", "created_at"], ["district", "month"]] {
                let cols = keys + OpenTickets.columns.filter { !keys.contains($0) }
                try c.exec("CREATE INDEX ix_\(OpenTickets.name)_\(keys.joined(separator: "_")) ON \(OpenTickets.name)(\(cols.joined(separator: ", ")))")
            }
        }
        return out
    }
}
