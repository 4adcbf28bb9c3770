import Foundation

/// The analytics cache of one store: rollup tables in a SQLite file wenshu owns, in
/// `$XDG_CACHE_HOME/wenshu/rollup-<hash of the store's path>.db`, never in the store.
/// It answers only while the store is exactly as it was when the cache was built or last
/// folded; when the store changes, answers go back to the raw SQL until `refresh()` has folded
/// the appended tickets in or rebuilt it (serve: on a background thread; the CLI: at open).
public final class AnalyticsCache: @unchecked Sendable {
    public enum Mode: Sendable, Equatable {
        /// Use an up-to-date cache if there is one; never build.
        case attach
        /// Build it now when missing or stale (the CLI: once, with progress on stderr).
        case build
        /// Build it on a background thread when missing or stale; raw SQL until ready (serve).
        case background
    }

    public let storePath: String
    public let file: String
    let mode: Mode
    let progress: (@Sendable (String) -> Void)?

    struct Ready {
        let tables: [RollupTable]
        let fingerprint: StoreFingerprint
        let generation: Int
        /// The largest text `created_at` in the store (RollupRouter.extended); nil: not known.
        var storeEnd: String?
    }

    /// Rows of recent statements (ResultCache.swift), nil when switched off.
    let results = ResultCache.fromEnvironment()
    private let lock = NSLock()
    private var ready: Ready?
    private var building = false
    private var generation = 0
    /// Why the cache is not used, for `wenshu cache` and tests.
    public private(set) var lastProblem: String?
    /// How the cache last caught up with the store (a fold of appended tickets or a build).
    private(set) var lastOutcome: RollupBuilder.Outcome?

    /// nil when caches are switched off (`WENSHU_NO_CACHE`, `WENSHU_ANALYTICS=off`).
    public static func open(store: String, mode: Mode, directory: URL? = nil,
                            progress: (@Sendable (String) -> Void)? = { FileHandle.standardError.write(Data("wenshu: \($0)\n".utf8)) }) -> AnalyticsCache? {
        let env = ProcessInfo.processInfo.environment
        if env["WENSHU_NO_CACHE"] != nil || env["WENSHU_ANALYTICS"] == "off" { return nil }
        let real = URL(fileURLWithPath: store).resolvingSymlinksInPath().path
        let dir = directory ?? UserDirectories.cache
        let file = dir.appendingPathComponent("rollup-\(String(stableHash("\(RollupBuilder.version)|\(real)"), radix: 16)).db").path
        let c = AnalyticsCache(store: real, file: file, mode: mode, progress: progress)
        c.load()
        if c.ready == nil {
            switch mode {
            case .build: c.refresh()
            case .background: c.refreshInBackground()
            case .attach: break
            }
        }
        return c
    }

    init(store: String, file: String, mode: Mode, progress: (@Sendable (String) -> Void)?) {
        self.storePath = store
        self.file = file
        self.mode = mode
        self.progress = progress
    }

    /// The tables, when the cache describes the store as it is right now.
    func current() -> Ready? {
        lock.lock()
        let r = ready
        lock.unlock()
        guard let r else { return nil }
        if StoreFingerprint(path: storePath) == r.fingerprint { return r }
        lock.lock()
        if ready?.generation == r.generation { ready = nil }
        lastProblem = "工单库已变化"
        lock.unlock()
        if mode == .background { refreshInBackground() }
        return nil
    }

    public var isReady: Bool { current() != nil }

    /// A cache file was read and kept (whether or not the store has changed since).
    private var isLoaded: Bool {
        lock.lock()
        defer { lock.unlock() }
        return ready != nil
    }

    /// The tables and their row counts (for `wenshu cache`).
    public var tables: [RollupTable] { current()?.tables ?? [] }

    /// Reads an existing cache file; keeps it only when it was built from this very state.
    func load() {
        guard FileManager.default.fileExists(atPath: file) else { lastProblem = "尚未建立"; return }
        do {
            let db = try Database.openReadOnly(file)
            db.install(policy: AnalyticsCache.metaPolicy)
            let meta = try db.query("SELECT key, value FROM rollup_meta", []).rows
            var m: [String: String] = [:]
            for r in meta { if let k = r[0].stringValue, let v = r[1].stringValue { m[k] = v } }
            guard m["version"] == RollupBuilder.version, let fp = m["fingerprint"].flatMap(StoreFingerprint.init(parsing:)) else {
                lastProblem = "缓存版本不符"; return
            }
            guard StoreFingerprint(path: storePath) == fp else { lastProblem = "工单库已变化"; return }
            var tables: [RollupTable] = []
            for r in try db.query("SELECT name, grain, dims, nrows, days_from, periods FROM rollup_tables", []).rows {
                guard let name = r[0].stringValue, let g = r[1].stringValue.flatMap(RollupGrain.init(rawValue:)), let dims = r[2].stringValue else { continue }
                var t = RollupTable(name: name, dims: dims.split(separator: ",").map(String.init), grain: g, rows: r[3].doubleValue.flatMap { Int(exactly: $0.rounded()) } ?? 0)
                t.daysFrom = r[4].stringValue
                t.periods = r[5].doubleValue.flatMap { Int(exactly: $0.rounded()) } ?? 0
                tables.append(t)
            }
            lock.lock()
            generation += 1
            ready = Ready(tables: tables, fingerprint: fp, generation: generation, storeEnd: m["store_end"])
            lastProblem = nil
            lock.unlock()
        } catch {
            lastProblem = "缓存无法读取：\(error)"
        }
    }

    /// Brings the cache up to the store's state now (the caller waits): folds in the tickets
    /// appended since it was built when that is all that changed, else builds it again.
    public func refresh() {
        exclusively {
            do {
                if let outcome = try RollupBuilder.fold(store: storePath, file: file, progress: progress) {
                    load()
                    if isLoaded { lastOutcome = outcome; return }
                }
            } catch {
                progress?("分析缓存无法并入新增工单（\(error)），重新建立。")
            }
            buildNow()
        }
    }

    /// Runs `body` unless a build or fold is already running (then returns at once).
    private func exclusively(_ body: () -> Void) {
        lock.lock()
        if building { lock.unlock(); return }
        building = true
        lock.unlock()
        defer { lock.lock(); building = false; lock.unlock() }
        body()
    }

    public func refreshInBackground() {
        lock.lock()
        let busy = building
        lock.unlock()
        if busy { return }
        Thread.detachNewThread { [self] in refresh() }
    }

    /// Builds the cache from scratch now (the caller waits). A failure (directory not
    /// writable, disk full) leaves answers on the raw SQL.
    public func rebuild() {
        exclusively { buildNow() }
    }

    private func buildNow() {
        do {
            if try RollupBuilder.build(store: storePath, file: file, progress: progress) != nil {
                load()
                if isLoaded { lastOutcome = .built }
            } else {
                lastProblem = "建立期间工单库有变化"
            }
        } catch {
            lastProblem = "无法建立分析缓存：\(error)"
            progress?("分析缓存未建立（\(error)），直接查询工单库。")
        }
    }

    static let metaPolicy = SQLPolicy(
        tables: ["rollup_meta": ["key", "value"], "rollup_tables": ["name", "grain", "dims", "nrows", "days_from", "periods"]],
        functions: [], rowCap: 10_000, timeCap: 10)

    /// Answer statements may read the rollup tables and nothing else.
    static func policy(_ tables: [RollupTable]) -> SQLPolicy {
        var p = SQLPolicy.tickets
        p.tables = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, Set($0.columns)) })
        p.tables[OpenTickets.name] = Set(OpenTickets.columns)
        return p
    }
}

/// One engine's own read-only connection to the cache (connections are never shared
/// across threads), reopened when the cache is rebuilt.
final class AnalyticsConnection {
    let generation: Int
    let db: Database

    init(_ ready: AnalyticsCache.Ready, file: String) throws {
        generation = ready.generation
        db = try Database.openReadOnly(file, mapped: true)
        db.install(policy: AnalyticsCache.policy(ready.tables))
    }
}

extension Engine {
    /// Runs a plan's statement: from the smallest rollup that answers it exactly, else the
    /// raw SQL on the store. Any trouble with the cache falls back to the raw SQL. Without
    /// `storeReads`, nil instead of a statement on the store.
    func run(_ plan: QueryPlan, raw q: CompiledQuery, now: Now, rowCap: Int?, storeReads: Bool = true) throws -> (result: (columns: [String], rows: [[DBValue]], truncated: Bool), source: String)? {
        // Repeated statements on an unchanged store: the rows read last time.
        guard let sqlite = store as? Database, let results = analytics?.results, let fp = StoreFingerprint(path: sqlite.path) else {
            return try runUncached(plan, raw: q, now: now, rowCap: rowCap, storeReads: storeReads)
        }
        let key = ResultCache.Key(sql: q.sql, params: q.params, rowCap: rowCap)
        if let (rows, source) = results.get(key, at: fp) { return (rows, source) }
        guard let r = try runUncached(plan, raw: q, now: now, rowCap: rowCap, storeReads: storeReads) else { return nil }
        // Stored under the state read before the query: a write meanwhile makes it a miss.
        results.put(key, at: fp, r.result, source: r.source)
        return r
    }

    private func runUncached(_ plan: QueryPlan, raw q: CompiledQuery, now: Now, rowCap: Int?, storeReads: Bool) throws -> (result: (columns: [String], rows: [[DBValue]], truncated: Bool), source: String)? {
        if let cache = analytics, let ready = cache.current(),
           let (table, rq) = RollupRouter.compile(plan, now: now, dialect: dialect, among: ready.tables, storeEnd: ready.storeEnd) {
            do {
                if analyticsConnection?.generation != ready.generation {
                    analyticsConnection = nil
                    analyticsConnection = try AnalyticsConnection(ready, file: cache.file)
                }
                if let conn = analyticsConnection {
                    return (try conn.db.query(rq.sql, rq.params, rowCap: rowCap), "rollup:\(table.name)")
                }
            } catch {
                analyticsConnection = nil
            }
        }
        guard storeReads else { return nil }
        return (try store.query(q.sql, q.params, rowCap: rowCap), "tickets")
    }

    /// The statement the rollup path would run for a plan (nil: raw), for `\sql` and tests.
    public func rollupQuery(for plan: QueryPlan, now: Now) -> (table: String, query: CompiledQuery)? {
        guard let ready = analytics?.current(), let (t, q) = RollupRouter.compile(plan, now: now, dialect: dialect, among: ready.tables, storeEnd: ready.storeEnd) else { return nil }
        return (t.name, q)
    }
}

extension Catalog {
    /// Learns the store's values from the cache's month tables (sums of counts), when
    /// the cache is up to date: no scan of the store.
    static func learn(from cache: AnalyticsCache) -> Catalog? {
        guard let ready = cache.current(), let db = try? Database.openReadOnly(cache.file) else { return nil }
        db.install(policy: AnalyticsCache.policy(ready.tables))
        return try? Catalog.learn(from: db) { dims in
            let t = ready.tables.filter { $0.grain == .month && Set(dims).isSubset(of: Set($0.dims)) }.min { $0.rows < $1.rows }
            return t.map { ($0.name, "SUM(\(RollupTable.countColumn))") }
        }
    }
}
