import Foundation
import XCTest
@testable import WenshuCore

/// The analytics cache on real SQLite files: every plan the router sends to a rollup gives
/// the rows of the raw SQL; the cache follows the store; it never writes the store.
final class RollupTests: XCTestCase {
    static let store: String = {
        let path = try! Fixtures.makeStore(count: 4000)
        // Rows a city's export may hold: a closed ticket without closed_at, timestamps not in
        // the contract's form (kept as they are, compared as text by both paths).
        let db = try! Database.openForWriting(path)
        try! db.execute("""
        INSERT INTO tickets VALUES ('X1', '2026-10-05 08:00:00', '电话', '投诉', '公用事业', '供水', '西湖区', '北山街道', '北山社区', NULL, '停水', '市水务集团', '已办结', 0, '2026-10-08 18:00:00', NULL, '满意', 1, 'C1');
        INSERT INTO tickets VALUES ('X2', '2026-10-05T09:30:00', '微信', '投诉', '公用事业', '供水', '西湖区', '北山街道', '北山社区', NULL, '停水', '市水务集团', '已办结', 1, '2026-10-08 18:00:00', '2026-10-06 09:00:00', NULL, NULL, 'C2');
        INSERT INTO tickets VALUES ('X3', '2026/10/06 10:00', '网站', '咨询', '城市管理', NULL, NULL, NULL, NULL, NULL, '噪声', NULL, '待派单', 0, '2026-10-09 18:00:00', NULL, NULL, NULL, 'C3');
        """)
        return path
    }()

    static func cacheDir() -> URL {
        URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("wenshu-rollup-\(UUID().uuidString)")
    }

    static let cache: AnalyticsCache = {
        _ = Fixtures.resources
        return AnalyticsCache.open(store: store, mode: .build, directory: cacheDir(), progress: nil)!
    }()

    static func engine(_ path: String, _ cache: AnalyticsCache?) throws -> Engine {
        try Engine(db: Engine.open(path, policy: .tickets), resources: Fixtures.resources, now: Fixtures.now, analytics: cache)
    }

    static func guarded(_ path: String, _ policy: SQLPolicy) throws -> Database {
        let db = try Database.openReadOnly(path)
        db.install(policy: policy)
        return db
    }

    // MARK: plans, generated systematically

    static let times: [TimeRange?] = [
        nil,
        TimeRange(Day(2026, 10, 1), Day(2026, 11, 1)),
        TimeRange(Day(2026, 1, 1), Day(2027, 1, 1)),
        TimeRange(Day(2026, 11, 1), Day(2026, 11, 8)),
        TimeRange(Day(2025, 3, 15), Day(2025, 9, 3)),
        TimeRange(Day(2026, 10, 5), Day(2026, 10, 6)),
        TimeRange(Day(2025, 7, 1), Day(2026, 7, 1)),
        // Whole months from a month table, the ends from the day table.
        TimeRange(Day(2026, 1, 1), Day(2026, 11, 30)),
        TimeRange(Day(2025, 12, 20), Day(2026, 3, 1)),
    ]
    static let filterSets: [[QueryPlan.Filter]] = [
        [],
        [.init(dimension: .district, values: ["西湖区"])],
        [.init(dimension: .district, values: ["西湖区", "拱墅区"])],
        [.init(dimension: .kind, values: ["投诉"])],
        [.init(dimension: .subcategory, values: ["供水"]), .init(dimension: .kind, values: ["投诉"])],
        [.init(dimension: .channel, values: ["微信"])],
        [.init(dimension: .department, values: ["区城管局"])],
        [.init(dimension: .street, values: ["北山街道"])],
        [.init(dimension: .category, values: ["公用事业"]), .init(dimension: .district, values: ["拱墅区"])],
        [.init(dimension: .community, values: ["北山社区"])],
        [.init(dimension: .channel, values: ["电话", "APP"]), .init(dimension: .kind, values: ["求助"]), .init(dimension: .district, values: ["淳安县"])],
    ]
    static let flagSets: [[Flag]] = [[], [.urgent], [.open], [.closed], [.workday], [.weekend], [.pending], [.inProgress, .urgent],
                                     [.overdue], [.satisfied], [.unresolved, .urgent], [.rated, .open], [.overdue, .weekend]]
    static let measureSets: [[Metric]] = [
        [.count], [.closeRate], [.onTimeRate], [.satisfactionRate], [.dissatisfactionRate], [.resolveRate], [.avgHours],
        [.closedCount], [.count, .satisfactionRate, .avgHours], [.perDay], [.resolveRate, .closedCount],
        [.overdueCount], [.count, .overdueCount], [.overdueRate], [.overdueRate, .avgHours],
    ]
    static let dims: [WenshuCore.Dimension] = [.district, .street, .community, .kind, .category, .subcategory, .channel, .department]

    static func shapes() -> [(Shape, (inout QueryPlan) -> Void)] {
        var s: [(Shape, (inout QueryPlan) -> Void)] = [(.value, { _ in })]
        for d in dims {
            s.append((.group(d), { _ in }))
            s.append((.group(d), { $0.ascending = true; $0.limit = 3 }))
            s.append((.group(d), { p in p.having = [.init(metric: p.metric, comparison: p.metric.isRate ? .lt : .ge, value: p.metric.isRate ? 0.5 : 20)] }))
            s.append((.groupCompare(d, .previous), { _ in }))
            s.append((.groupCompare(d, .previous), { $0.change = .rate; $0.limit = 5 }))
            s.append((.share(d), { _ in }))
            s.append((.shareWithin(d), { $0.shareOf = [.filter(.kind, "投诉")] }))
            s.append((.rankPosition(d), { $0.rankOf = d == .district ? "西湖区" : "投诉" }))
            s.append((.topBottom(d), { $0.limit = 2 }))
        }
        for g in [Grain.day, .week, .month, .quarter, .year] {
            s.append((.trend(g), { _ in }))
            s.append((.periodRank(g), { $0.limit = 3 }))
        }
        s.append((.compare(.previous), { _ in }))
        s.append((.compare(.lastYear), { _ in }))
        s.append((.share(nil), { $0.shareOf = [.filter(.channel, "微信")] }))
        s.append((.share(nil), { $0.shareOf = [.flag(.satisfied)] }))
        s.append((.share(nil), { $0.shareOf = [.flag(.urgent), .filter(.kind, "投诉")] }))
        s.append((.shareWithin(.district), { $0.shareOf = [.flag(.unresolved)] }))
        s.append((.shareWithin(.street), { $0.shareOf = [.flag(.open)] }))
        s.append((.topPerGroup(.district, .street), { $0.limit = 2 }))
        s.append((.topPerGroup(WenshuCore.Dimension.kind, .subcategory), { $0.ascending = true }))
        return s
    }

    static func plans() -> [QueryPlan] {
        var out: [QueryPlan] = []
        var k = 0
        for (shape, tweak) in shapes() {
            for (mi, measures) in measureSets.enumerated() {
                for (ti, time) in times.enumerated() {
                    k += 1
                    var p = QueryPlan()
                    p.shape = shape
                    p.measures = measures
                    if measures == [.closedCount] { p.flags = [.closed] }
                    if measures == [.overdueCount] { p.flags = [.overdue] }
                    p.time = time
                    if case .compare(.lastYear) = shape { p.previous = time?.sameLastYear } else if let t = time { p.previous = t.previousPeriod }
                    if measures == [.perDay] { p.divisor = time?.days ?? 700 }
                    p.filters = filterSets[(k + mi) % filterSets.count]
                    p.flags += flagSets[(k / 3 + ti) % flagSets.count].filter { !p.flags.contains($0) }
                    if k % 5 == 0 { p.scope = Scope(level: .district, name: "西湖区") }
                    // A group by a dimension the plan also filters to one value is still a valid plan.
                    tweak(&p)
                    out.append(p)
                }
            }
        }
        return out
    }

    func same(_ a: [[DBValue]], _ b: [[DBValue]]) -> String? {
        guard a.count == b.count else { return "row count \(a.count) vs \(b.count)" }
        for (i, (ra, rb)) in zip(a, b).enumerated() {
            guard ra.count == rb.count else { return "row \(i) width" }
            for (x, y) in zip(ra, rb) {
                switch (x, y) {
                case (.null, .null): continue
                case (.text(let s), .text(let t)) where s == t: continue
                case (.integer(let m), .integer(let n)) where m == n: continue
                default:
                    if let u = x.doubleValue, let v = y.doubleValue, x != .null, y != .null,
                       abs(u - v) <= 1e-9 * max(1, abs(u), abs(v)) { continue }
                    return "row \(i): \(ra) vs \(rb)"
                }
            }
        }
        return nil
    }

    // MARK: tests

    /// Runs every plan the router takes both ways; fails on the first difference.
    /// Returns how many were routed, by table.
    @discardableResult
    func differential(_ cache: AnalyticsCache, _ store: String, _ plans: [QueryPlan], file: StaticString = #filePath, line: UInt = #line) throws -> (routed: Int, byTable: [String: Int]) {
        let ready = try XCTUnwrap(cache.current(), cache.lastProblem ?? "")
        let raw = try RollupTests.guarded(store, SQLPolicy(tables: SQLPolicy.tickets.tables, functions: SQLPolicy.tickets.functions, rowCap: 100_000, timeCap: 60))
        let rolled = try RollupTests.guarded(cache.file, AnalyticsCache.policy(ready.tables))
        var routed = 0, byTable: [String: Int] = [:]
        for plan in plans {
            for now in [Fixtures.now, Now("2026-10-20 15:30:00")!] {
                guard let (t, q) = RollupRouter.compile(plan, now: now, dialect: SQLiteDialect(), among: ready.tables, storeEnd: ready.storeEnd) else { continue }
                let r = SQLCompiler(now: now).compile(plan)
                XCTAssertEqual(q.columns, r.columns, file: file, line: line)
                let a = try raw.query(r.sql, r.params, rowCap: 100_000).rows
                let b = try rolled.query(q.sql, q.params, rowCap: 100_000).rows
                if let diff = same(a, b) { XCTFail("\(t.name): \(diff)\nplan: \(plan)\nraw: \(r.sql)\nrollup: \(q.sql)", file: file, line: line); return (routed, byTable) }
                routed += 1
                byTable[t.name, default: 0] += 1
                if q.sql.contains(OpenTickets.name) { byTable["r_open", default: 0] += 1 }
                if q.sql.contains(RollupRouter.viewName) { byTable["view", default: 0] += 1 }
                if RollupRouter.extended(plan, storeEnd: ready.storeEnd).time != plan.time { byTable["extended", default: 0] += 1 }
                if q.sql.range(of: #"FROM r_\w+_m WHERE created_at >= \? AND created_at < \? UNION ALL SELECT"#, options: .regularExpression) != nil { byTable["split", default: 0] += 1 }
            }
        }
        return (routed, byTable)
    }

    func testEveryRoutedPlanGivesTheRawRows() throws {
        let plans = RollupTests.plans()
        let (routed, byTable) = try differential(RollupTests.cache, RollupTests.store, plans)
        // Not vacuous: most plans are served, from many different tables, 超期 among them.
        // (Plans with a part flag and a rate, or a community with status, stay raw.)
        XCTAssertGreaterThan(routed, plans.count * 11 / 20, "routed \(routed) of \(plans.count * 2)")
        XCTAssertGreaterThanOrEqual(byTable.count, 14, "\(byTable)")
        XCTAssertGreaterThan(byTable["r_open"] ?? 0, 200, "\(byTable)")
        XCTAssertGreaterThan(byTable["view"] ?? 0, 400, "\(byTable)")
        XCTAssertGreaterThan(byTable["split"] ?? 0, 400, "\(byTable)")
        // The recent-days tables answer ranges inside their days, alone or with months.
        XCTAssertGreaterThan(byTable["r_scat_d"] ?? 0, 20, "\(byTable)")
        XCTAssertGreaterThan(byTable["r_dept_d"] ?? 0, 20, "\(byTable)")
        // (A timestamp not in the contract's form sorts after every range end: never extended here.)
        XCTAssertEqual(byTable["extended"], nil, "\(byTable)")
    }

    func testAppendedTicketsAreFoldedInAndOtherChangesRebuild() throws {
        let path = try Fixtures.makeStore(count: 1500)
        let cache = try XCTUnwrap(AnalyticsCache.open(store: path, mode: .build, directory: RollupTests.cacheDir(), progress: nil))
        XCTAssertEqual(cache.lastOutcome, .built)
        let plans = RollupTests.plans().enumerated().filter { $0.offset % 6 == 0 }.map(\.element)
        // Ranges ending after the store's last ticket (今年以来, at 10:00 today) are read as whole months.
        XCTAssertEqual(cache.current()?.storeEnd.map { $0 < "2026-11-29 10:00:00" }, true)
        let ytd = RollupTests.plans().enumerated().filter { $0.offset % RollupTests.times.count == 7 && $0.offset % 4 == 3 }.map(\.element)
        XCTAssertTrue(ytd.allSatisfy { $0.time == TimeRange(Day(2026, 1, 1), Day(2026, 11, 30)) })
        let before = try differential(cache, path, ytd)
        XCTAssertGreaterThan(before.byTable["extended"] ?? 0, 10, "\(before.byTable)")
        let w = try Database.openForWriting(path)
        // Appended: copies of tickets (open ones among them, some past due), and tickets on a
        // day and in a district the cache has never seen.
        try w.execute("""
        INSERT INTO tickets SELECT 'N' || id, created_at, channel, kind, category, subcategory, district, street, community, address, content, department, status, urgent, due_at, closed_at, satisfaction, resolved, caller FROM tickets WHERE rowid % 5 = 0;
        INSERT INTO tickets VALUES ('N-new1', '2026-11-28 09:00:00', '电话', '投诉', '城市管理', '噪声扰民', '新城区', '新城街道', '新城社区', NULL, '噪声', '区城管局', '办理中', 1, '2026-11-01 18:00:00', NULL, NULL, NULL, 'CN1');
        INSERT INTO tickets VALUES ('N-new2', '2026-11-28 10:00:00', '微信', '举报', '城市管理', '噪声扰民', '新城区', '新城街道', '新城社区', NULL, '噪声', '区城管局', '已办结', 0, '2026-11-01 18:00:00', '2026-11-28 12:00:00', '不满意', 0, 'CN2');
        INSERT INTO tickets VALUES ('N-next', '2026-11-30 08:00:00', '电话', '投诉', '城市管理', '噪声扰民', '西湖区', '北山街道', NULL, NULL, '噪声', '区城管局', '已受理', 0, '2026-12-03 18:00:00', NULL, NULL, NULL, 'CN3');
        """)
        // A ticket after the ranges that end today: 本月 may no longer be read as all of November.
        XCTAssertEqual(RollupRouter.extended({ var p = QueryPlan(); p.time = TimeRange(Day(2026, 11, 1), Day(2026, 11, 30)); return p }(), storeEnd: "2026-11-30 08:00:00").time?.end, Day(2026, 11, 30))
        XCTAssertFalse(cache.isReady, "a cache of another state answered")
        cache.refresh()
        XCTAssertEqual(cache.lastOutcome, .folded(tickets: 303), cache.lastProblem ?? "")
        XCTAssertEqual(cache.current()?.storeEnd, "2026-11-30 08:00:00")
        XCTAssertTrue(cache.isReady)
        try differential(cache, path, plans)

        // Appended again: folded again, on top of the folded rows.
        try w.execute("INSERT INTO tickets SELECT 'M' || id, created_at, channel, kind, category, subcategory, district, street, community, address, content, department, status, urgent, due_at, closed_at, satisfaction, resolved, caller FROM tickets WHERE rowid % 11 = 0 AND id NOT LIKE 'N%'")
        cache.refresh()
        guard case .folded? = cache.lastOutcome else { return XCTFail("\(String(describing: cache.lastOutcome))") }
        try differential(cache, path, plans)

        // An old ticket closed (its status and closed_at updated): not an append, so a rebuild.
        try w.execute("UPDATE tickets SET status = '已办结', closed_at = '2026-11-20 10:00:00' WHERE rowid = (SELECT min(rowid) FROM tickets WHERE closed_at IS NULL)")
        XCTAssertFalse(cache.isReady)
        cache.refresh()
        XCTAssertEqual(cache.lastOutcome, .built)
        try differential(cache, path, plans)

        // A ticket deleted and another appended (the count stays): a rebuild again.
        try w.execute("DELETE FROM tickets WHERE rowid = 7; INSERT INTO tickets SELECT 'K' || id, created_at, channel, kind, category, subcategory, district, street, community, address, content, department, status, urgent, due_at, closed_at, satisfaction, resolved, caller FROM tickets WHERE rowid = 8")
        cache.refresh()
        XCTAssertEqual(cache.lastOutcome, .built)
        try differential(cache, path, plans)
    }

    func testServingEngineFoldsAppendedTicketsInTheBackground() throws {
        let path = try Fixtures.makeStore(count: 700)
        let dir = RollupTests.cacheDir()
        _ = try XCTUnwrap(AnalyticsCache.open(store: path, mode: .build, directory: dir, progress: nil))
        let cache = try XCTUnwrap(AnalyticsCache.open(store: path, mode: .background, directory: dir, progress: nil))
        XCTAssertTrue(cache.isReady)
        let engine = try RollupTests.engine(path, cache)
        let w = try Database.openForWriting(path)
        try w.execute("INSERT INTO tickets SELECT 'N' || id, created_at, channel, kind, category, subcategory, district, street, community, address, content, department, status, urgent, due_at, closed_at, satisfaction, resolved, caller FROM tickets WHERE rowid % 4 = 0")
        var conv = Conversation()
        for q in ["今年各区超期工单数", "今年每个月的超期率", "上个月各区工单量排名"] {
            // Raw while the fold runs (never the old cache), then from the cache: both the rows of the raw SQL.
            let a = engine.ask(q, conversation: &conv)
            XCTAssertEqual(a.status, .answered, q)
            XCTAssertNil(same(try Fixtures.oracle(path, bindInline(a.sql ?? "", a.params)), a.rows), q)
        }
        let deadline = Date().addingTimeInterval(60)
        while !cache.isReady && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(cache.lastOutcome, .folded(tickets: 175))
        // (Other questions than before: the result cache rightly keeps those rows for this state.)
        for q in ["去年各区超期工单数", "去年每个月的超期率", "本月各区工单量排名"] {
            let a = engine.ask(q, conversation: &conv)
            XCTAssertEqual(a.source?.hasPrefix("rollup:"), true, q)
            XCTAssertNil(same(try Fixtures.oracle(path, bindInline(a.sql ?? "", a.params)), a.rows), q)
        }
    }

    func testQuestionsThroughTheEngineMatchTheRawSQL() throws {
        let engine = try RollupTests.engine(RollupTests.store, RollupTests.cache)
        let questions = [
            "上个月工单量", "上个月各区投诉量排名", "今年投诉最多的前五个街道", "近30天哪个部门承办的工单最多", "本月每天的工单量",
            "上个月工单量环比变化多少", "今年各渠道来源占比", "本月西湖区满意率", "上周拱墅区的举报有几条", "今年每个月的满意率",
            "去年的按时办结率", "上个月平均办理时长最长的五个部门", "今年西湖区供水类投诉有多少件", "今年各区满意率和解决率",
            "今年各区投诉占本区工单的比例", "西湖区在各区排第几", "今年未办结的工单有多少", "今年每个季度的工单量", "今年紧急工单量",
        ]
        var fromCache = 0
        for q in questions {
            var conv = Conversation()
            let a = engine.ask(q, conversation: &conv)
            XCTAssertEqual(a.status, .answered, q)
            guard let sql = a.sql, a.status == .answered else { continue }
            if a.source?.hasPrefix("rollup:") == true { fromCache += 1 }
            let oracle = try Fixtures.oracle(RollupTests.store, bindInline(sql, a.params))
            XCTAssertNil(same(oracle, a.rows.map { $0 }), "\(q) [\(a.source ?? "")]")
        }
        XCTAssertGreaterThanOrEqual(fromCache, questions.count - 2)
    }

    /// What a server answers on its event loop: the cache's answers and questions back, never a
    /// statement on the store (those come back nil, the conversation untouched).
    func testAnswersWithoutTheStoreComeOnlyFromTheCache() throws {
        let engine = try RollupTests.engine(RollupTests.store, RollupTests.cache)
        var conv = Conversation()
        let cached = try XCTUnwrap(engine.askWithoutStore("上个月各区投诉量排名", conversation: &conv))
        XCTAssertEqual(cached.source?.hasPrefix("rollup:"), true)
        var plain = Conversation()
        XCTAssertEqual(cached.rows, engine.ask("上个月各区投诉量排名", conversation: &plain).rows)
        XCTAssertNotNil(conv.plan, "a cached answer can be followed up")
        let asked = try XCTUnwrap(engine.askWithoutStore("西湖区", conversation: &conv))
        XCTAssertNotEqual(asked.status, .error)
        for q in ["列出昨天的紧急工单", "近三个月来电5次以上的来电人有几个", "今天有什么预警"] {
            var c = Conversation()
            XCTAssertNil(engine.askWithoutStore(q, conversation: &c), q)
            XCTAssertNil(c.plan, q)
            XCTAssertEqual(engine.ask(q, conversation: &c).status, .answered, q)
        }
        // No cache: every statement is on the store.
        let raw = try RollupTests.engine(RollupTests.store, nil)
        var c = Conversation()
        XCTAssertNil(raw.askWithoutStore("上个月各区投诉量排名", conversation: &c))
    }

    /// The raw SQL with its parameters written in, for the oracle connection.
    func bindInline(_ sql: String, _ params: [DBValue]) -> String {
        var out = "", i = 0
        for ch in sql {
            if ch == "?", i < params.count {
                switch params[i] {
                case .text(let s): out += "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
                case .integer(let n): out += String(n)
                case .real(let d): out += String(d)
                case .null: out += "NULL"
                }
                i += 1
            } else { out.append(ch) }
        }
        return out
    }

    func testRouterKeepsTheRawPathForWhatRollupsCannotAnswer() throws {
        let tables = try XCTUnwrap(RollupTests.cache.current()).tables
        let now = Fixtures.now
        func route(_ tweak: (inout QueryPlan) -> Void) -> String? {
            var p = QueryPlan()
            p.time = TimeRange(Day(2026, 10, 1), Day(2026, 11, 1))
            tweak(&p)
            return RollupRouter.table(for: p, now: now, among: tables)?.name
        }
        XCTAssertEqual(route { _ in }, "r_total_m")
        XCTAssertEqual(route { $0.time = TimeRange(Day(2026, 10, 3), Day(2026, 11, 1)) }, "r_total_d")
        XCTAssertEqual(route { $0.shape = .trend(.week) }, "r_total_d")
        XCTAssertEqual(route { $0.shape = .trend(.month) }, "r_total_m")
        XCTAssertEqual(route { $0.flags = [.weekend] }, "r_total_d")
        // 今年以来: months Jan–Oct from r_total_m, November's days from r_total_d.
        let ytd = RollupRouter.compile({ var p = QueryPlan(); p.time = TimeRange(Day(2026, 1, 1), Day(2026, 11, 30)); return p }(), now: now, dialect: SQLiteDialect(), among: tables)
        XCTAssertEqual(ytd?.0.name, "r_total_d")
        XCTAssertEqual(ytd.map { $0.1.sql.contains("FROM r_total_m WHERE created_at >= ? AND created_at < ?") }, true)
        XCTAssertEqual(ytd?.1.params.prefix(4), [.text("2026-01-01 00:00:00"), .text("2026-11-01 00:00:00"), .text("2026-11-01 00:00:00"), .text("2026-11-30 00:00:00")])
        // (Each part a range of its table's key: no day before the months is read.)
        XCTAssertEqual(ytd.map { $0.1.sql.components(separatedBy: "UNION ALL").count }, 2)
        // No ticket at or after the range's end: all of November is the same tickets, from the month table.
        let ytdPlan: QueryPlan = { var p = QueryPlan(); p.time = TimeRange(Day(2026, 1, 1), Day(2026, 11, 30)); return p }()
        // …and a range from 1 January, all of the year: its year row.
        XCTAssertEqual(RollupRouter.table(for: ytdPlan, now: now, among: tables, storeEnd: "2026-11-29 09:59:00"), tables.first { $0.name == "r_total_y" })
        var ytdByMonth = ytdPlan
        ytdByMonth.shape = .trend(.month)
        XCTAssertEqual(RollupRouter.table(for: ytdByMonth, now: now, among: tables, storeEnd: "2026-11-29 09:59:00")?.name, "r_total_m")
        var thisMonth = ytdPlan
        thisMonth.time = TimeRange(Day(2026, 11, 1), Day(2026, 11, 30))
        XCTAssertEqual(RollupRouter.table(for: thisMonth, now: now, among: tables, storeEnd: "2026-11-29 09:59:00")?.name, "r_total_m")
        // Year tables: whole years and all time, trends by year; never months, days or the open tickets.
        XCTAssertEqual(route { $0.time = TimeRange(Day(2025, 1, 1), Day(2026, 1, 1)) }, "r_total_y")
        XCTAssertEqual(route { $0.time = nil }, "r_total_y")
        XCTAssertEqual(route { $0.time = TimeRange(Day(2024, 1, 1), Day(2026, 1, 1)); $0.shape = .trend(.year) }, "r_total_y")
        XCTAssertEqual(route { $0.time = TimeRange(Day(2025, 1, 1), Day(2026, 1, 1)); $0.shape = .trend(.quarter) }, "r_total_m")
        XCTAssertEqual(route { $0.time = TimeRange(Day(2025, 1, 1), Day(2026, 1, 1)); $0.flags = [.overdue] }, "r_total_m")
        XCTAssertEqual(route { $0.time = TimeRange(Day(2025, 1, 1), Day(2026, 1, 1)); $0.flags = [.satisfied] }, "r_total_y")
        XCTAssertEqual(route { $0.time = TimeRange(Day(2025, 2, 1), Day(2026, 1, 1)) }, "r_total_m")
        // A comparison: whole months of both periods from the month table, the days at their ends
        // from the day table; periods that overlap are read from the day table alone.
        var cmp = QueryPlan()
        cmp.shape = .groupCompare(.district, .previous)
        cmp.time = TimeRange(Day(2026, 1, 1), Day(2026, 11, 30))
        cmp.previous = TimeRange(Day(2025, 2, 2), Day(2026, 1, 1))
        let split = try XCTUnwrap(RollupRouter.compile(cmp, now: now, dialect: SQLiteDialect(), among: tables))
        XCTAssertEqual(split.1.sql.components(separatedBy: "UNION ALL").count, 4)
        XCTAssertEqual(split.1.params.prefix(8), [.text("2026-01-01 00:00:00"), .text("2026-11-01 00:00:00"), .text("2026-11-01 00:00:00"), .text("2026-11-30 00:00:00"),
                                                   .text("2025-03-01 00:00:00"), .text("2026-01-01 00:00:00"), .text("2025-02-02 00:00:00"), .text("2025-03-01 00:00:00")])
        cmp.previous = TimeRange(Day(2025, 12, 2), Day(2026, 10, 1))
        XCTAssertEqual(RollupRouter.compile(cmp, now: now, dialect: SQLiteDialect(), among: tables).map { $0.1.sql.contains("UNION ALL") }, false)
        XCTAssertEqual(RollupRouter.table(for: ytdPlan, now: now, among: tables, storeEnd: "2026-11-30 00:00:00")?.name, "r_total_d")
        XCTAssertEqual(RollupRouter.table(for: ytdPlan, now: now, among: tables, storeEnd: "2026/01/01")?.name, "r_total_d")
        // The smallest table holding street (which one depends on the data).
        let street = try XCTUnwrap(route { $0.shape = .group(.street) })
        XCTAssertEqual(street, tables.filter { $0.dims.contains("street") && $0.grain == .month }.min { $0.rows < $1.rows }?.name)
        XCTAssertEqual(route { $0.setFilter(.kind, "投诉"); $0.setFilter(.subcategory, "供水"); $0.setFilter(.district, "西湖区") }, "r_dcat_m")
        XCTAssertNil(route { $0.shape = .list })
        XCTAssertNil(route { $0.content = ["停水"] })
        // 超期 and flags that are parts: over a view of the smallest table.
        XCTAssertEqual(route { $0.flags = [.overdue] }, "r_total_m")
        XCTAssertEqual(route { $0.measures = [.count, .overdueCount]; $0.shape = .group(.district) },
                       tables.filter { $0.dims.contains("district") && $0.grain == .month }.min { $0.rows < $1.rows }?.name)
        XCTAssertEqual(route { $0.metric = .overdueRate; $0.shape = .trend(.day) }, "r_total_d")
        XCTAssertEqual(route { $0.flags = [.satisfied]; $0.shape = .group(.street) }, street)
        XCTAssertNotNil(RollupRouter.compile({ var p = QueryPlan(); p.flags = [.overdue]; return p }(), now: now, dialect: SQLiteDialect(), among: tables)?.1.sql.contains("r_open"))
        // …but not a measure that needs another part of the flagged tickets, nor two such flags.
        XCTAssertNil(route { $0.flags = [.overdue]; $0.metric = .satisfactionRate })
        XCTAssertNil(route { $0.flags = [.satisfied, .resolved] })
        XCTAssertNil(route { $0.flags = [.satisfied]; $0.shape = .share(nil); $0.shareOf = [.flag(.satisfied), .filter(.kind, "投诉")] })
        XCTAssertEqual(route { $0.flags = [.overdue]; $0.shape = .share(nil); $0.shareOf = [.flag(.urgent), .filter(.kind, "投诉")] },
                       tables.filter { Set(["kind", "urgent"]).isSubset(of: $0.dims) && $0.grain == .month }.min { $0.rows < $1.rows }?.name)
        XCTAssertNil(route { $0.flags = [.unresolved]; $0.measures = [.count, .closedCount] })
        XCTAssertNil(route { $0.metric = .repeatCallers })
        XCTAssertNil(route { $0.flags = [.repeatCaller] })
        XCTAssertNil(route { $0.shape = .group(.caller) })
        // Dimensions no single rollup holds together.
        XCTAssertNil(route { $0.setFilter(.department, "区城管局"); $0.shape = .group(.channel) })
        XCTAssertNil(route { $0.setFilter(.community, "北山社区"); $0.flags = [.urgent] })
    }

    func testRecentDaysTablesAnswerOnlyTheirDays() throws {
        let tables = try XCTUnwrap(RollupTests.cache.current()).tables
        let recent = try XCTUnwrap(tables.first { $0.name == "r_scat_d" })
        let from = try XCTUnwrap(recent.daysFrom.flatMap(Day.init(parsing:)))
        // Two months before the fixture's latest month, on a 1st.
        XCTAssertEqual(from.day, 1)
        XCTAssertEqual(tables.first { $0.name == "r_dept_d" }?.daysFrom, recent.daysFrom)
        XCTAssertNil(tables.first { $0.name == "r_scat_m" }?.daysFrom)
        func route(_ start: Day, _ end: Day) -> (RollupTable, CompiledQuery)? {
            var p = QueryPlan()
            p.time = TimeRange(start, end)
            p.setFilter(.subcategory, "供水")
            p.shape = .group(.street)
            return RollupRouter.compile(p, now: Fixtures.now, dialect: SQLiteDialect(), among: tables)
        }
        // 今年以来: the months from r_scat_m, the days of this month from r_scat_d.
        let ytd = try XCTUnwrap(route(Day(from.year, 1, 1), from.adding(months: 2).adding(days: 20)))
        XCTAssertEqual(ytd.0.name, "r_scat_d")
        XCTAssertTrue(ytd.1.sql.contains("FROM r_scat_m WHERE"))
        // Days inside its range alone: the day table.
        XCTAssertEqual(route(from.adding(days: 3), from.adding(days: 40))?.0.name, "r_scat_d")
        // A day before its first: no table holds street and subcategory by that day.
        XCTAssertNil(route(from.adding(days: -3), from.adding(days: 10)))
        XCTAssertNil(route(from.adding(days: -40), from.adding(months: 1).adding(days: 3)))
        // Whole months: the month table, whatever the day table holds.
        XCTAssertEqual(route(from, from.adding(months: 1))?.0.name, "r_scat_m")
        // All time is never in a recent table.
        var all = QueryPlan()
        all.setFilter(.subcategory, "供水")
        all.shape = .trend(.day)
        XCTAssertNotEqual(RollupRouter.table(for: all, now: Fixtures.now, among: tables)?.name, "r_scat_d")
    }

    func testCacheFollowsTheStoreAndNeverWritesIt() throws {
        let path = try Fixtures.makeStore(count: 600)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let dir = RollupTests.cacheDir()
        let cache = try XCTUnwrap(AnalyticsCache.open(store: path, mode: .build, directory: dir, progress: nil))
        XCTAssertTrue(cache.isReady, cache.lastProblem ?? "")
        XCTAssertTrue(cache.file.hasPrefix(dir.path), "the cache lives in the cache directory")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "building the cache changed the store")
        let engine = try RollupTests.engine(path, cache)
        var conv = Conversation()
        let first = engine.ask("今年工单量", conversation: &conv)
        // (No ticket after today: 今年 is the year's row.)
        XCTAssertEqual(first.source, "rollup:r_total_y")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), before, "answering changed the store")

        // New tickets: the cache no longer describes the store, answers come from the raw SQL.
        let w = try Database.openForWriting(path)
        try w.execute("INSERT INTO tickets SELECT 'N' || id, created_at, channel, kind, category, subcategory, district, street, community, address, content, department, status, urgent, due_at, closed_at, satisfaction, resolved, caller FROM tickets WHERE created_at >= '2026-01-01' LIMIT 50")
        let second = engine.ask("今年工单量", conversation: &conv)
        XCTAssertEqual(second.source, "tickets")
        XCTAssertEqual(second.rows[0][0].doubleValue, (first.rows[0][0].doubleValue ?? 0) + 50)
        XCTAssertFalse(cache.isReady)

        // Rebuilt, it answers again, with the new tickets counted.
        cache.rebuild()
        XCTAssertTrue(cache.isReady, cache.lastProblem ?? "")
        // A second process finds the cache built for this state and uses it without rebuilding.
        let again = try XCTUnwrap(AnalyticsCache.open(store: path, mode: .attach, directory: dir, progress: nil))
        XCTAssertTrue(again.isReady)
        let third = engine.ask("今年工单量", conversation: &conv)
        XCTAssertEqual(third.rows, second.rows)
        let fourth = engine.ask("今年各区工单量排名", conversation: &conv)
        XCTAssertEqual(fourth.source, (cache.current()?.tables.filter { $0.dims.contains("district") && $0.grain == .year }.min { $0.rows < $1.rows }).map { "rollup:" + $0.name })
        XCTAssertNil(same(try Fixtures.oracle(path, bindInline(fourth.sql ?? "", fourth.params)), fourth.rows))
        // Asked again, the same rows come from the result cache, still right after another write.
        let fifth = engine.ask("今年各区工单量排名", conversation: &conv)
        XCTAssertEqual(fifth.rows, fourth.rows)
        try w.execute("DELETE FROM tickets WHERE id LIKE 'N%'")
        let sixth = engine.ask("今年各区工单量排名", conversation: &conv)
        XCTAssertEqual(sixth.source, "tickets")
        XCTAssertNil(same(try Fixtures.oracle(path, bindInline(sixth.sql ?? "", sixth.params)), sixth.rows))
        XCTAssertNotEqual(sixth.rows, fifth.rows)

    }

    func testMissingOrUnwritableCacheFallsBackToRawSQL() throws {
        let path = try Fixtures.makeStore(count: 300)
        // Attach only, nothing built: raw answers.
        let none = try XCTUnwrap(AnalyticsCache.open(store: path, mode: .attach, directory: RollupTests.cacheDir(), progress: nil))
        XCTAssertFalse(none.isReady)
        let e1 = try RollupTests.engine(path, none)
        var conv = Conversation()
        let a = e1.ask("今年各区工单量排名", conversation: &conv)
        XCTAssertEqual(a.status, .answered)
        XCTAssertEqual(a.source, "tickets")

        // A cache directory that cannot be created: the build fails quietly, answers stay raw.
        let blocker = NSTemporaryDirectory() + "wenshu-blocker-\(UUID().uuidString)"
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let bad = try XCTUnwrap(AnalyticsCache.open(store: path, mode: .build, directory: URL(fileURLWithPath: blocker).appendingPathComponent("sub"), progress: nil))
        XCTAssertFalse(bad.isReady)
        XCTAssertNotNil(bad.lastProblem)
        let e2 = try RollupTests.engine(path, bad)
        let b = e2.ask("今年各区工单量排名", conversation: &conv)
        XCTAssertEqual(b.status, .answered)
        XCTAssertEqual(b.source, "tickets")
        XCTAssertEqual(b.rows, a.rows)

        // A cache file deleted under a running engine: the rollup query fails, the raw SQL answers.
        let dir = RollupTests.cacheDir()
        let good = try XCTUnwrap(AnalyticsCache.open(store: path, mode: .build, directory: dir, progress: nil))
        let e3 = try RollupTests.engine(path, good)
        try FileManager.default.removeItem(atPath: good.file)
        let c = e3.ask("今年各区工单量排名", conversation: &conv)
        XCTAssertEqual(c.status, .answered)
        XCTAssertEqual(c.source, "tickets")
        XCTAssertEqual(c.rows, a.rows)
    }
}
