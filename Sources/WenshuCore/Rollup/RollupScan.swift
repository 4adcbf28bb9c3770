import CSQLite
import Foundation

/// One pass over a range of the store's rows (by rowid), aggregated in memory into every
/// table of the lattice at once. SQLite evaluates each ticket's parts with the compiler's own
/// conditions (so both paths mean the same); here they are only summed, with SQL's `SUM`
/// rules (NULL when every value is NULL). One narrow read instead of a GROUP BY (a sort of
/// every ticket) per table is what makes the build fast.
struct RollupScan {
    /// Dimensions read per ticket, in this order (the lattice uses subsets of them).
    static let dims = OpenTickets.dims
    static let partCount = RollupTable.partColumns.count + 1  // + closed late

    /// Numbered values of all dimension columns and of the day/month column.
    var values = ValueIDs()
    /// dayToMonth[day id] = month id.
    var dayToMonth: [Int32: Int32] = [:]
    /// Tables by name, with their cells.
    var tables: [String: Cells] = [:]
    /// Open tickets (closed_at IS NULL): day, month, dims, due_at.
    var open: [[DBValue]] = []
    /// Where the recent-days tables start (RollupLattice.Entry.recentDays): tickets whose day
    /// is at or after it (as text, like the router's ranges) are added to them. nil: none is.
    var daysFrom: String?
    /// Rows read, their largest rowid, and an order-independent checksum of everything the
    /// cache is derived from (checked before folding, so a changed old row is noticed).
    var count = 0
    var maxRowid: Int64 = 0
    var checksum: UInt64 = 0

    /// The cells of one table: key (time id, dimension ids) → sums.
    struct Cells {
        let dims: [String]
        let grain: RollupGrain
        /// Open addressing over `keys` (-1 = empty): a Dictionary's hashing was most of the build.
        private var slots = [Int32](repeating: -1, count: 1 << 12)
        var keys: [SIMD8<Int32>] = []
        /// Per cell: tickets, then the parts (Int64.min = NULL), then hours with a value.
        var ints: [Int64] = []
        /// Per cell: summed hours (nan = NULL).
        var hours: [Double] = []
        static let stride = 2 + RollupScan.partCount

        init(dims: [String], grain: RollupGrain) { self.dims = dims; self.grain = grain }

        var count: Int { keys.count }

        static func hash(_ k: SIMD8<Int32>) -> Int {
            let w = unsafeBitCast(k, to: (UInt64, UInt64, UInt64, UInt64).self)
            var h = (w.0 ^ 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9
            h = (h ^ (h >> 31) ^ w.1) &* 0x94D0_49BB_1331_11EB
            h = (h ^ (h >> 29) ^ w.2) &* 0xBF58_476D_1CE4_E5B9
            h = (h ^ (h >> 32) ^ w.3) &* 0x94D0_49BB_1331_11EB
            return Int(truncatingIfNeeded: h ^ (h >> 29))
        }

        mutating func cell(_ k: SIMD8<Int32>) -> Int {
            let mask = slots.count - 1
            var p = Cells.hash(k) & mask
            while true {
                let s = slots[p]
                if s < 0 { break }
                if keys[Int(s)] == k { return Int(s) }
                p = (p + 1) & mask
            }
            let i = keys.count
            slots[p] = Int32(i)
            keys.append(k)
            if keys.count * 2 > slots.count { grow() }
            ints.append(contentsOf: repeatElement(0, count: Cells.stride))
            for p in 0..<RollupScan.partCount { ints[i * Cells.stride + 1 + p] = .min }
            hours.append(.nan)
            return i
        }

        private mutating func grow() {
            slots = [Int32](repeating: -1, count: slots.count * 4)
            let mask = slots.count - 1
            for (i, k) in keys.enumerated() {
                var p = Cells.hash(k) & mask
                while slots[p] >= 0 { p = (p + 1) & mask }
                slots[p] = Int32(i)
            }
        }

        /// Adds one cell's sums (another table's, or one ticket's) to cell i.
        mutating func add(_ i: Int, _ src: ArraySlice<Int64>, _ h: Double) {
            let b = i * Cells.stride
            var j = src.startIndex
            ints[b] &+= src[j]
            for p in 0..<RollupScan.partCount {
                j += 1
                let v = src[j]
                if v != .min { ints[b + 1 + p] = ints[b + 1 + p] == .min ? v : ints[b + 1 + p] &+ v }
            }
            ints[b + Cells.stride - 1] &+= src[j + 1]
            if !h.isNaN { hours[i] = hours[i].isNaN ? h : hours[i] + h }
        }
    }

    /// The SELECT that reads each ticket's values: rowid, day, month, the dimensions,
    /// open?, due_at, the parts, and the closed ticket's hours.
    static func statement(_ compiler: SQLCompiler) -> Fragment {
        let ts = "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]'"
        // A well-formed timestamp becomes its day/month; anything else stays as it is, so every
        // comparison and label the compiler writes gives the same answer on both paths.
        let dayOf = "CASE WHEN created_at GLOB \(ts) THEN substr(created_at, 1, 10) || ' 00:00:00' ELSE created_at END"
        let monthOf = "CASE WHEN created_at GLOB \(ts) THEN substr(created_at, 1, 7) || '-01 00:00:00' ELSE created_at END"
        var f = Fragment("SELECT rowid, \(dayOf), \(monthOf), \(dims.joined(separator: ", ")), closed_at IS NULL, due_at")
        for (t, _) in RollupTable.partColumns { f = f + Fragment(", (") + compiler.tallyCondition(t) + Fragment(")") }
        // The first half of the compiler's 超期 condition (SQLCompiler.flagCondition(.overdue)).
        f = f + Fragment(", (closed_at IS NOT NULL AND closed_at > due_at)")
        f = f + Fragment(", CASE WHEN ") + compiler.tallyCondition(.closed) + Fragment(" THEN \(compiler.dialect.hoursBetween("created_at", "closed_at")) END")
        return f + Fragment(" FROM src.tickets WHERE rowid > ? AND rowid <= ?")
    }

    /// Reads rows (after, upTo] of the attached store. With `aggregate` false only the count,
    /// max rowid and checksum are computed (verifying old rows before a fold).
    mutating func read(_ db: OpaquePointer, after: Int64, upTo: Int64, aggregate: Bool, progress: ((Int) -> Void)? = nil) throws {
        var q = SQLBuilder(dialect: SQLiteDialect())
        q.append(RollupScan.statement(SQLCompiler(now: Now.wallClock())))
        var st: OpaquePointer?
        guard sqlite3_prepare_v2(db, q.sql, -1, &st, nil) == SQLITE_OK, let stmt = st else {
            throw RollupBuilder.Failure(description: String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_finalize(stmt) }
        var n: Int32 = 1
        for p in q.params + [.integer(after), .integer(upTo)] {
            switch p {
            case .text(let s): sqlite3_bind_text(stmt, n, s, -1, sqliteTransient)
            case .integer(let v): sqlite3_bind_int64(stmt, n, v)
            case .real(let v): sqlite3_bind_double(stmt, n, v)
            case .null: sqlite3_bind_null(stmt, n)
            }
            n += 1
        }
        // Tables read from the store, with where their dimensions sit in a row, and whether
        // they hold recent days only.
        let direct: [(name: String, dims: [String], grain: RollupGrain, cols: [Int], recent: Bool)] =
            RollupLattice.entries.filter { $0.source == nil }.flatMap { e in
                let cols = e.dims.map { d in RollupScan.dims.firstIndex(of: d)! }
                let main = (RollupLattice.tableName(e.name, e.monthOnly ? .month : .day), e.dims, e.monthOnly ? RollupGrain.month : .day, cols, false)
                return [main] + (RollupLattice.recentDayTable(e).map { [($0, e.dims, .day, cols, true)] } ?? [])
            }
        // Worked on outside the dictionary (no lookup per ticket), put back at the end.
        var cells: [Cells] = direct.map { d in tables.removeValue(forKey: d.name) ?? Cells(dims: d.dims, grain: d.grain) }
        // Whether a day id is at or after daysFrom, by id.
        var recentDay: [Int32: Bool] = [:]
        defer { for (d, c) in zip(direct, cells) { tables[d.name] = c } }
        let nd = RollupScan.dims.count
        let partBase = Int32(5 + nd)
        var ids = [Int32](repeating: 0, count: nd)
        var row = [Int64](repeating: 0, count: Cells.stride)
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw RollupBuilder.Failure(description: String(cString: sqlite3_errmsg(db))) }
            let rowid = sqlite3_column_int64(stmt, 0)
            var h = ValueIDs.mix(UInt64(bitPattern: rowid))
            let day = try values.id(stmt, 1, &h)
            let month = try values.id(stmt, 2, &h)
            for c in 0..<nd { ids[c] = try values.id(stmt, Int32(3 + c), &h) }
            let isOpen = sqlite3_column_int64(stmt, Int32(3 + nd)) != 0
            h = ValueIDs.mix(h ^ (isOpen ? 1 : 2))
            if isOpen { h = ValueIDs.mix(h ^ ValueIDs.hash(stmt, Int32(4 + nd))) }
            row[0] = 1
            for p in 0..<RollupScan.partCount {
                let c = partBase + Int32(p)
                row[1 + p] = sqlite3_column_type(stmt, c) == SQLITE_NULL ? .min : sqlite3_column_int64(stmt, c)
                h = ValueIDs.mix(h ^ UInt64(bitPattern: row[1 + p]))
            }
            let hc = partBase + Int32(RollupScan.partCount)
            let hours = sqlite3_column_type(stmt, hc) == SQLITE_NULL ? Double.nan : sqlite3_column_double(stmt, hc)
            row[Cells.stride - 1] = hours.isNaN ? 0 : 1
            h = ValueIDs.mix(h ^ hours.bitPattern)
            checksum &+= h
            count += 1
            maxRowid = max(maxRowid, rowid)
            guard aggregate else { continue }
            if dayToMonth[day] == nil { dayToMonth[day] = month }
            if isOpen {
                var r: [DBValue] = [values.values[Int(day)], values.values[Int(month)]]
                for c in 0..<nd { r.append(values.values[Int(ids[c])]) }
                r.append(ValueIDs.value(stmt, Int32(4 + nd)))
                open.append(r)
            }
            let recent: Bool
            if let r = recentDay[day] { recent = r } else {
                if case .text(let d) = values.values[Int(day)], let from = daysFrom { recent = d >= from } else { recent = false }
                recentDay[day] = recent
            }
            for t in 0..<direct.count {
                if direct[t].recent && !recent { continue }
                var k = SIMD8<Int32>(repeating: -1)
                k[0] = cells[t].grain == .day ? day : month
                for (j, c) in direct[t].cols.enumerated() { k[j + 1] = ids[c] }
                let i = cells[t].cell(k)
                cells[t].add(i, row[...], hours)
            }
            if count % 200_000 == 0 { progress?(count) }
        }
    }

    /// Fills the tables summed from others: coarser lattice entries, month from day, and
    /// year from month.
    mutating func derive() {
        var monthToYear: [Int32: Int32] = [:]
        func sum(into name: String, dims: [String], grain: RollupGrain, from src: String) {
            guard let s = tables[src] else { return }
            var t = tables[name] ?? Cells(dims: dims, grain: grain)
            let pos = dims.map { d in s.dims.firstIndex(of: d)! }
            for (i, key) in s.keys.enumerated() {
                var k = SIMD8<Int32>(repeating: -1)
                switch (s.grain, grain) {
                case (.day, .month): k[0] = dayToMonth[key[0]] ?? key[0]
                case (.month, .year):
                    if let y = monthToYear[key[0]] { k[0] = y } else {
                        let y = values.year(ofMonth: key[0])
                        monthToYear[key[0]] = y
                        k[0] = y
                    }
                default: k[0] = key[0]
                }
                for (j, p) in pos.enumerated() { k[j + 1] = key[p + 1] }
                let c = t.cell(k)
                t.add(c, s.ints[(i * Cells.stride)..<((i + 1) * Cells.stride)], s.hours[i])
            }
            tables[name] = t
        }
        for e in RollupLattice.entries {
            let g: RollupGrain = e.monthOnly ? .month : .day
            if let src = e.source { sum(into: RollupLattice.tableName(e.name, g), dims: e.dims, grain: g, from: RollupLattice.tableName(src, g)) }
            if !e.monthOnly { sum(into: RollupLattice.tableName(e.name, .month), dims: e.dims, grain: .month, from: RollupLattice.tableName(e.name, .day)) }
        }
        for e in RollupLattice.entries {
            sum(into: RollupLattice.tableName(e.name, .year), dims: e.dims, grain: .year, from: RollupLattice.tableName(e.name, .month))
        }
    }
}

/// Values of the scanned columns, numbered (0 = NULL), read without making a String per
/// cell: text is looked up by a hash of its bytes and compared byte for byte.
struct ValueIDs {
    private(set) var values: [DBValue] = [.null]
    private var byHash: [UInt64: Int32] = [:]
    private var next: [Int32] = [-1]
    private var bytes: [[UInt8]] = [[]]
    private var other: [DBValue: Int32] = [:]

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func hashBytes(_ b: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for x in b { h = (h ^ UInt64(x)) &* 0x100_0000_01b3 }
        return h
    }

    /// A hash of one column's value, with its type.
    static func hash(_ st: OpaquePointer, _ c: Int32) -> UInt64 {
        switch sqlite3_column_type(st, c) {
        case SQLITE_NULL: return 0x51
        case SQLITE_INTEGER: return mix(UInt64(bitPattern: sqlite3_column_int64(st, c)) ^ 0x1)
        case SQLITE_FLOAT: return mix(sqlite3_column_double(st, c).bitPattern ^ 0x2)
        default:
            let n = Int(sqlite3_column_bytes(st, c))
            return hashBytes(UnsafeRawBufferPointer(start: sqlite3_column_blob(st, c), count: n)) ^ UInt64(sqlite3_column_type(st, c))
        }
    }

    static func value(_ st: OpaquePointer, _ c: Int32) -> DBValue {
        switch sqlite3_column_type(st, c) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(st, c))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(st, c))
        default: return .text(String(cString: sqlite3_column_text(st, c)))
        }
    }

    /// The year row a month row belongs to: 'YYYY-MM-01 00:00:00' with MM 01…12 becomes
    /// 'YYYY-01-01 00:00:00'; any other value (a month 00 or 13, a non-contract timestamp)
    /// stays its own row, so a range from a 1 January to a 1 January holds a year row exactly
    /// when it holds every ticket under it, as text comparison decides on the raw path.
    mutating func year(ofMonth id: Int32) -> Int32 {
        guard case .text(let m) = values[Int(id)] else { return id }
        let b = Array(m.utf8)
        let digit = { (i: Int) in b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9") }
        guard b.count == 19, (0..<4).allSatisfy(digit), digit(5), digit(6), m.hasSuffix("-01 00:00:00"), b[4] == UInt8(ascii: "-") else { return id }
        let month = Int(b[5] - UInt8(ascii: "0")) * 10 + Int(b[6] - UInt8(ascii: "0"))
        guard (1...12).contains(month) else { return id }
        return intern(String(m.prefix(4)) + "-01-01 00:00:00")
    }

    /// The number of a text value, added when new.
    mutating func intern(_ s: String) -> Int32 {
        let a = Array(s.utf8)
        let k = a.withUnsafeBytes { ValueIDs.hashBytes($0) }
        var i = byHash[k] ?? -1
        while i >= 0 {
            if bytes[Int(i)] == a { return i }
            i = next[Int(i)]
        }
        let id = Int32(values.count)
        values.append(.text(s))
        bytes.append(a)
        next.append(byHash[k] ?? -1)
        byHash[k] = id
        return id
    }

    /// The number of column c's value; mixes its hash into `h`.
    mutating func id(_ st: OpaquePointer, _ c: Int32, _ h: inout UInt64) throws -> Int32 {
        let type = sqlite3_column_type(st, c)
        switch type {
        case SQLITE_NULL:
            h = ValueIDs.mix(h ^ 0x51)
            return 0
        case SQLITE_TEXT:
            let n = Int(sqlite3_column_bytes(st, c))
            let buf = UnsafeRawBufferPointer(start: sqlite3_column_text(st, c), count: n)
            let k = ValueIDs.hashBytes(buf)
            h = ValueIDs.mix(h ^ k)
            var i = byHash[k] ?? -1
            while i >= 0 {
                let same = bytes[Int(i)].withUnsafeBytes { b in b.count == n && (n == 0 || memcmp(b.baseAddress!, buf.baseAddress!, n) == 0) }
                if same { return i }
                i = next[Int(i)]
            }
            // A value that is not UTF-8 (or holds a NUL) would not read back the same: no cache.
            guard let s = String(validating: buf, as: UTF8.self), !s.utf8.contains(0) else {
                throw RollupBuilder.Failure(description: "工单库含有非 UTF-8 文本")
            }
            let id = Int32(values.count)
            values.append(.text(s))
            bytes.append(Array(buf))
            next.append(byHash[k] ?? -1)
            byHash[k] = id
            return id
        case SQLITE_INTEGER, SQLITE_FLOAT:
            let v: DBValue = type == SQLITE_INTEGER ? .integer(sqlite3_column_int64(st, c)) : .real(sqlite3_column_double(st, c))
            h = ValueIDs.mix(h ^ ValueIDs.hash(st, c))
            if let i = other[v] { return i }
            let id = Int32(values.count)
            values.append(v)
            bytes.append([])
            next.append(-1)
            other[v] = id
            return id
        default:
            throw RollupBuilder.Failure(description: "工单库的维度列含有二进制值")
        }
    }
}
