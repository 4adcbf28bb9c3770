import XCTest
@testable import WenshuCore

/// Exact SQL and parameters of each plan element of contract §9.3–§9.9 and of their
/// combinations, for hand-built plans; and, for the same elements, that the question
/// that names them builds that plan. Every statement is also run on the fixture store,
/// so a text that SQLite would refuse fails here.
final class PlanElementsCompilerTests: XCTestCase {
    let compiler = SQLCompiler(now: Fixtures.now)
    let october = TimeRange(Day(2026, 10, 1), Day(2026, 11, 1))
    let year = TimeRange(Day(2026, 1, 1), Day(2027, 1, 1))
    let t0: DBValue = .text("2026-10-01 00:00:00"), t1: DBValue = .text("2026-11-01 00:00:00")
    let y0: DBValue = .text("2026-01-01 00:00:00"), y1: DBValue = .text("2027-01-01 00:00:00")
    let closed: DBValue = .text("已办结"), sat: DBValue = .text("满意"), basic: DBValue = .text("基本满意")

    // The measure expressions, spelled once (contract §4).
    let satRate = "SUM(satisfaction IN (?, ?)) * 1.0 / NULLIF(SUM(satisfaction IS NOT NULL), 0)"
    let resRate = "SUM(resolved = 1) * 1.0 / NULLIF(SUM(resolved IS NOT NULL), 0)"
    let avgHours = "AVG(CASE WHEN status = ? THEN (julianday(closed_at) - julianday(created_at)) * 24 END)"

    /// Compiles, checks text and parameters, and runs the statement on the fixture store.
    @discardableResult
    func check(_ p: QueryPlan, _ sql: String, _ params: [DBValue], columns: [String]? = nil,
               file: StaticString = #filePath, line: UInt = #line) throws -> [[DBValue]] {
        let q = compiler.compile(p)
        XCTAssertEqual(q.sql, sql, file: file, line: line)
        XCTAssertEqual(q.params, params, file: file, line: line)
        if let columns { XCTAssertEqual(q.columns, columns, file: file, line: line) }
        XCTAssertEqual(q.sql.filter { $0 == "?" }.count, q.params.count, "one parameter per placeholder", file: file, line: line)
        return try Fixtures.engine().db.query(q.sql, q.params).rows
    }

    /// The plan the engine builds for a question (fixture store, now 2026-11-29 10:00).
    func plan(_ question: String, file: StaticString = #filePath, line: UInt = #line) throws -> QueryPlan? {
        let (u, r) = try Fixtures.engine().read(question, conversation: nil, now: Fixtures.now)
        guard case .plan(let p, _) = r else { XCTFail("\(question): not answered: \(r)", file: file, line: line); return nil }
        XCTAssertEqual(u.unknown, [], question, file: file, line: line)
        return p
    }

    // MARK: §9.3 several measures, the report row, per-day and per-month averages

    func testSeveralMeasuresOneRow() throws {
        var p = QueryPlan()
        p.time = october
        p.measures = [.satisfactionRate, .resolveRate]
        let rows = try check(p, "SELECT \(satRate) AS v, \(resRate) AS v2 FROM tickets WHERE created_at >= ? AND created_at < ?",
                             [sat, basic, t0, t1], columns: ["满意率", "解决率"])
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?.count, 2)
    }

    func testSeveralMeasuresByGroupOrderByTheFirst() throws {
        var p = QueryPlan()
        p.time = october
        p.shape = .group(.district)
        p.measures = [.count, .satisfactionRate]
        try check(p, "SELECT district, COUNT(*) AS v, \(satRate) AS v2 FROM tickets WHERE created_at >= ? AND created_at < ? AND district IS NOT NULL GROUP BY district ORDER BY v DESC, district",
                  [sat, basic, t0, t1], columns: ["区县", "工单量", "满意率"])
        // From the question: 满意率 first, then 解决率, in the order asked.
        let q = try XCTUnwrap(try plan("上个月各区的满意率和解决率"))
        XCTAssertEqual(q.measures, [.satisfactionRate, .resolveRate])
        XCTAssertEqual(q.shape, .group(.district))
        XCTAssertEqual(try plan("上个月各区的工单量和满意率")?.measures, [.count, .satisfactionRate])
    }

    func testReportRow() throws {
        var p = QueryPlan()
        p.time = october
        p.setFilter(.district, "西湖区")
        p.measures = Metric.report
        let overdue = "SUM(((closed_at IS NOT NULL AND closed_at > due_at) OR (closed_at IS NULL AND due_at < ?)))"
        let rows = try check(p, "SELECT COUNT(*) AS v, SUM(status = ?) * 1.0 / NULLIF(COUNT(*), 0) AS v2, SUM(status = ? AND closed_at <= due_at) * 1.0 / NULLIF(SUM(status = ?), 0) AS v3, \(satRate) AS v4, \(resRate) AS v5, \(avgHours) AS v6, \(overdue) AS v7 FROM tickets WHERE created_at >= ? AND created_at < ? AND district = ?",
                             [closed, closed, closed, sat, basic, closed, .text("2026-11-29 10:00:00"), t0, t1, .text("西湖区")],
                             columns: ["工单量", "办结率", "按时办结率", "满意率", "解决率", "平均办理时长(小时)", "超期工单数"])
        XCTAssertEqual(rows.first?.count, 7)
        for q in ["上个月西湖区的各项指标", "上个月西湖区的综合情况", "上个月西湖区的主要指标"] {
            XCTAssertEqual(try plan(q)?.measures, Metric.report, q)
        }
    }

    func testThreeRatesAreResolveAndSatisfactionWithANote() throws {
        let p = try XCTUnwrap(try plan("今年拱墅区的三率"))
        XCTAssertEqual(p.measures, [.resolveRate, .satisfactionRate])
        XCTAssertTrue(p.notes.contains { $0.contains("响应率") }, "\(p.notes)")
        try check(p, "SELECT \(resRate) AS v, \(satRate) AS v2 FROM tickets WHERE created_at >= ? AND created_at < ? AND district = ?",
                  [sat, basic, y0, y1, .text("拱墅区")])
    }

    func testPerDayAndPerMonthDivisors() throws {
        var p = QueryPlan()
        p.time = TimeRange(Day(2026, 11, 1), Day(2026, 12, 1))
        p.measures = [.perDay]
        p.divisor = 29
        try check(p, "SELECT COUNT(*) * 1.0 / ? AS v FROM tickets WHERE created_at >= ? AND created_at < ?",
                  [.integer(29), .text("2026-11-01 00:00:00"), .text("2026-12-01 00:00:00")], columns: ["日均工单量"])
        // The running period counts up to and including today (the current month).
        XCTAssertEqual(try plan("本月平均每天受理多少工单")?.divisor, 29)
        XCTAssertEqual(try plan("本月日均工单量")?.divisor, 29)
        XCTAssertEqual(try plan("今年日均工单量")?.divisor, 333)
        XCTAssertEqual(try plan("去年日均工单量")?.divisor, 365)
        XCTAssertEqual(try plan("上个月日均投诉量")?.divisor, 31)
        XCTAssertEqual(try plan("今年月均投诉量是多少")?.divisor, 11)
        XCTAssertEqual(try plan("今年平均每月工单量")?.divisor, 11)
        XCTAssertEqual(try plan("去年月均工单量")?.divisor, 12)
        let m = try XCTUnwrap(try plan("今年月均投诉量是多少"))
        XCTAssertEqual(m.measures, [.perMonth])
        try check(m, "SELECT COUNT(*) * 1.0 / ? AS v FROM tickets WHERE created_at >= ? AND created_at < ? AND kind = ?",
                  [.integer(11), y0, y1, .text("投诉")], columns: ["月均工单量"])
    }

    // MARK: §9.8 several values of one dimension

    func testInFilterWithNamedOrder() throws {
        var p = QueryPlan()
        p.time = october
        p.shape = .group(.district)
        p.setFilter(.district, ["拱墅区", "西湖区"])
        p.namedOrder = true
        let rows = try check(p, "SELECT district, COUNT(*) AS v FROM tickets WHERE created_at >= ? AND created_at < ? AND district IN (?, ?) AND district IS NOT NULL GROUP BY district ORDER BY CASE district WHEN ? THEN 1 WHEN ? THEN 2 END",
                             [t0, t1, .text("拱墅区"), .text("西湖区"), .text("拱墅区"), .text("西湖区")])
        XCTAssertEqual(rows.map { $0[0] }, [.text("拱墅区"), .text("西湖区")], "the order named, not by value")
        let q = try XCTUnwrap(try plan("上个月拱墅区和西湖区的工单量"))
        XCTAssertEqual(q.values(.district), ["拱墅区", "西湖区"])
        XCTAssertTrue(q.namedOrder)
        XCTAssertEqual(compiler.compile(q).sql, compiler.compile(p).sql)
        for (question, dim, values) in [("国庆以来咨询、求助及建议各有多少件", Dimension.kind, ["咨询", "求助", "建议"]),
                                        ("本月电话与微信渠道的满意率", .channel, ["电话", "微信"])] {
            let r = try XCTUnwrap(try plan(question))
            XCTAssertEqual(r.values(dim), values, question)
            XCTAssertEqual(r.shape, .group(dim), question)
            XCTAssertTrue(r.namedOrder, question)
        }
    }

    func testInFilterAsAFilterUnderAnotherGrouping() throws {
        var p = QueryPlan()
        p.shape = .group(.street)
        p.setFilter(.kind, ["投诉", "举报"])
        try check(p, "SELECT street, COUNT(*) AS v FROM tickets WHERE kind IN (?, ?) AND street IS NOT NULL GROUP BY street ORDER BY v DESC, street",
                  [.text("投诉"), .text("举报")])
    }

    // MARK: §9.4 thresholds (HAVING)

    func testHavingOnARateAscending() throws {
        var p = QueryPlan()
        p.time = year
        p.shape = .group(.street)
        p.metric = .satisfactionRate
        p.having = [.init(metric: .satisfactionRate, comparison: .lt, value: 0.8)]
        p.ascending = true
        try check(p, "SELECT street, \(satRate) AS v, SUM(satisfaction IS NOT NULL) AS base FROM tickets WHERE created_at >= ? AND created_at < ? AND street IS NOT NULL GROUP BY street HAVING v < ? ORDER BY v IS NULL, v ASC, street",
                  [sat, basic, y0, y1, .real(0.8)])
        // Every number form of §9.4 gives the same fraction.
        for (q, want) in [("今年满意率低于80%的街道", 0.8), ("今年满意率低于百分之八十的街道", 0.8), ("今年满意率低于八成的街道", 0.8),
                          ("今年满意率低于八成五的街道", 0.85), ("今年满意率低于0.8的街道", 0.8), ("今年满意率低于三分之一的街道", 1.0 / 3),
                          ("今年满意率低于四分之三的街道", 0.75)] {
            let r = try XCTUnwrap(try plan(q))
            XCTAssertEqual(r.having.filter { $0.comparison != .notNull }.count, 1, q)
            XCTAssertEqual(r.having.first?.comparison, .lt, q)
            XCTAssertEqual(r.having.first?.value ?? -1, want, accuracy: 1e-12, q)
            XCTAssertTrue(r.ascending, "a below-test is ordered from its extreme: \(q)")
        }
    }

    func testHavingOnADurationInHours() throws {
        var p = QueryPlan()
        p.time = year
        p.shape = .group(.subcategory)
        p.metric = .avgHours
        p.having = [.init(metric: .avgHours, comparison: .gt, value: 48)]
        try check(p, "SELECT subcategory, \(avgHours) AS v FROM tickets WHERE created_at >= ? AND created_at < ? AND subcategory IS NOT NULL AND status = ? GROUP BY subcategory HAVING v > ? ORDER BY v DESC, subcategory",
                  [closed, y0, y1, closed, .real(48)])
        for q in ["今年平均办理时长超过2天的二级分类", "今年平均办理时长超过48小时的二级分类", "今年平均办理时长超过两天的二级分类"] {
            let r = try XCTUnwrap(try plan(q))
            XCTAssertEqual(r.having, [.init(metric: .avgHours, comparison: .gt, value: 48)], q)
            XCTAssertFalse(r.ascending, q)
        }
    }

    func testHavingOnACountIsAnInteger() throws {
        var p = QueryPlan()
        p.shape = .group(.community)
        p.setFilter(.kind, "投诉")
        p.having = [.init(metric: .count, comparison: .ge, value: 100)]
        try check(p, "SELECT community, COUNT(*) AS v FROM tickets WHERE kind = ? AND community IS NOT NULL GROUP BY community HAVING v >= ? ORDER BY v DESC, community",
                  [.text("投诉"), .integer(100)])
        let r = try XCTUnwrap(try plan("今年投诉超过100件的街道"))
        XCTAssertEqual(r.having, [.init(metric: .count, comparison: .gt, value: 100)])
        XCTAssertEqual(r.shape, .group(.street))
        XCTAssertEqual(try plan("今年投诉不少于100件的街道")?.having.first?.comparison, .ge)
        XCTAssertEqual(try plan("今年投诉100件以上街道")?.having.first?.comparison, .ge)
        XCTAssertEqual(try plan("今年投诉不到100件的街道")?.having.first?.comparison, .lt)
        XCTAssertEqual(try plan("今年投诉不超过100件的街道")?.having.first?.comparison, .le)
    }

    // MARK: §9.5 order and position

    func testAscendingLeavesNullGroupsOut() throws {
        var p = QueryPlan()
        p.shape = .group(.department)
        p.metric = .resolveRate
        p.ascending = true
        p.limit = 5
        p.having = [.init(metric: .resolveRate, comparison: .notNull, value: 0)]
        try check(p, "SELECT department, \(resRate) AS v, SUM(resolved IS NOT NULL) AS base FROM tickets WHERE department IS NOT NULL GROUP BY department HAVING v IS NOT NULL ORDER BY v IS NULL, v ASC, department LIMIT ?",
                  [.integer(5)])
        for q in ["今年解决率最低的5个部门", "今年各部门解决率倒数5名", "今年各部门解决率后5名", "今年解决率排名最后的5个部门"] {
            let r = try XCTUnwrap(try plan(q))
            XCTAssertEqual(r.shape, .group(.department), q)
            XCTAssertEqual(r.limit, 5, q)
            XCTAssertTrue(r.ascending, q)
            XCTAssertTrue(r.having.contains { $0.comparison == .notNull }, "NULL groups left out: \(q)")
        }
    }

    func testExplicitDirectionWords() throws {
        XCTAssertEqual(try plan("今年各区满意率从低到高")?.ascending, true)
        XCTAssertEqual(try plan("今年各区满意率从高到低")?.ascending, false)
        XCTAssertEqual(try plan("今年各部门平均办理时长从短到长")?.ascending, true)
        XCTAssertEqual(try plan("今年各部门平均办理时长从长到短")?.ascending, false)
        XCTAssertEqual(try plan("今年各街道工单量从少到多")?.ascending, true)
    }

    func testRankPosition() throws {
        var p = QueryPlan()
        p.time = year
        p.shape = .rankPosition(.district)
        p.setFilter(.kind, "投诉")
        p.rankOf = "西湖区"
        let rows = try check(p, "WITH g AS (SELECT district, COUNT(*) AS v FROM tickets WHERE created_at >= ? AND created_at < ? AND kind = ? AND district IS NOT NULL GROUP BY district HAVING v IS NOT NULL), r AS (SELECT district, v, RANK() OVER (ORDER BY v DESC) AS rk, COUNT(*) OVER () AS n FROM g) SELECT district, v, rk, n FROM r WHERE district = ?",
                             [y0, y1, .text("投诉"), .text("西湖区")], columns: ["区县", "工单量", "排名", "参与排名数"])
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows.first?[3], .integer(3), "three districts in the fixture store")
        let q = try XCTUnwrap(try plan("今年西湖区投诉量在各区中排第几"))
        XCTAssertEqual(q.shape, .rankPosition(.district))
        XCTAssertEqual(q.rankOf, "西湖区")
        XCTAssertNil(q.filter(.district), "the member is ranked, not filtered")
        XCTAssertEqual(compiler.compile(q).sql, compiler.compile(p).sql)
    }

    func testTopAndBottom() throws {
        var p = QueryPlan()
        p.time = year
        p.shape = .topBottom(.street)
        p.metric = .resolveRate
        p.limit = 2
        let rows = try check(p, "WITH g AS (SELECT street, \(resRate) AS v, SUM(resolved IS NOT NULL) AS base FROM tickets WHERE created_at >= ? AND created_at < ? AND street IS NOT NULL GROUP BY street HAVING v IS NOT NULL), r AS (SELECT street, v, ROW_NUMBER() OVER (ORDER BY v DESC, street) AS a, ROW_NUMBER() OVER (ORDER BY v ASC, street) AS b FROM g) SELECT street, v, board FROM (SELECT street, v, ? AS board, 0 AS s, a AS k FROM r WHERE a <= ? UNION ALL SELECT street, v, ? AS board, 1 AS s, b AS k FROM r WHERE b <= ?) AS t ORDER BY s, k",
                             [y0, y1, .text("前2"), .integer(2), .text("后2"), .integer(2)], columns: ["街道", "解决率", "榜"])
        XCTAssertEqual(rows.map { $0[2] }, [.text("前2"), .text("前2"), .text("后2"), .text("后2")])
        for q in ["今年各街道解决率前2名和后2名", "今年各街道解决率前两名与后两名"] {
            let r = try XCTUnwrap(try plan(q))
            XCTAssertEqual(r.shape, .topBottom(.street), q)
            XCTAssertEqual(r.limit, 2, q)
        }
        XCTAssertEqual(try plan("上个月各街道满意率红黑榜")?.shape, .topBottom(.street))
    }

    func testTopNPerGroup() throws {
        var p = QueryPlan()
        p.time = year
        p.shape = .topPerGroup(.district, .street)
        p.setFilter(.kind, "投诉")
        p.limit = 2
        let rows = try check(p, "WITH g AS (SELECT district, street, COUNT(*) AS v FROM tickets WHERE created_at >= ? AND created_at < ? AND kind = ? AND district IS NOT NULL AND street IS NOT NULL GROUP BY district, street), r AS (SELECT district, street, v, ROW_NUMBER() OVER (PARTITION BY district ORDER BY v DESC, street) AS rn FROM g) SELECT district, street, v FROM r WHERE rn <= ? ORDER BY district, rn",
                             [y0, y1, .text("投诉"), .integer(2)], columns: ["区县", "街道", "工单量"])
        XCTAssertFalse(rows.isEmpty)
        let q = try XCTUnwrap(try plan("今年每个区投诉最多的2个街道"))
        XCTAssertEqual(q.shape, .topPerGroup(.district, .street))
        XCTAssertEqual(compiler.compile(q).sql, compiler.compile(p).sql)
    }

    // MARK: §9.6 change rankings

    let lastWeek = TimeRange(Day(2026, 11, 16), Day(2026, 11, 23))
    let weekBefore = TimeRange(Day(2026, 11, 9), Day(2026, 11, 16))
    var weekParams: [DBValue] {
        [.text("2026-11-16 00:00:00"), .text("2026-11-23 00:00:00"), .text("2026-11-09 00:00:00"), .text("2026-11-16 00:00:00")]
    }

    func changePlan(_ order: ChangeOrder, ascending: Bool, metric: Metric = .count) -> QueryPlan {
        var p = QueryPlan()
        p.time = lastWeek
        p.previous = weekBefore
        p.shape = .groupCompare(.district, .previous)
        p.metric = metric
        p.change = order
        p.ascending = ascending
        p.limit = 3
        return p
    }

    func testChangeRankingByDelta() throws {
        let head = "SELECT g, cur, prev, cur - prev AS delta, CASE WHEN prev = 0 THEN NULL ELSE (cur - prev) * 1.0 / prev END AS change_rate FROM (SELECT district AS g, SUM(created_at >= ? AND created_at < ?) AS cur, SUM(created_at >= ? AND created_at < ?) AS prev FROM tickets WHERE ((created_at >= ? AND created_at < ?) OR (created_at >= ? AND created_at < ?)) AND district IS NOT NULL GROUP BY district) AS t ORDER BY "
        try check(changePlan(.delta, ascending: false), head + "delta IS NULL, delta DESC, g LIMIT ?", weekParams + weekParams + [.integer(3)],
                  columns: ["区县", "本期", "上期", "变化", "变化率"])
        try check(changePlan(.delta, ascending: true), head + "delta IS NULL, delta ASC, g LIMIT ?", weekParams + weekParams + [.integer(3)])
        try check(changePlan(.rate, ascending: false), head + "change_rate IS NULL, change_rate DESC, g LIMIT ?", weekParams + weekParams + [.integer(3)])
        try check(changePlan(.rate, ascending: true), head + "change_rate IS NULL, change_rate ASC, g LIMIT ?", weekParams + weekParams + [.integer(3)])
        // From the questions of §9.6.
        for (q, order, asc) in [("上周工单量增加最多的3个区", ChangeOrder.delta, false), ("上周工单量下降最多的3个区", .delta, true),
                                ("上周工单量减少最多的3个区", .delta, true), ("上周工单量增长最快的3个区", .rate, false),
                                ("上周工单量涨幅最大的3个区", .rate, false), ("上周工单量降幅最大的3个区", .delta, true),
                                ("上周工单量下降最快的3个区", .rate, true)] {
            let r = try XCTUnwrap(try plan(q))
            XCTAssertEqual(r.shape, .groupCompare(.district, .previous), q)
            XCTAssertEqual(r.change, order, q)
            XCTAssertEqual(r.ascending, asc, q)
            XCTAssertEqual(r.limit, 3, q)
            XCTAssertEqual(r.previous, weekBefore, q)
        }
    }

    func testChangeRankingOfARateIsInFractionPoints() throws {
        let inCur = "created_at >= ? AND created_at < ?"
        let cur = "SUM((\(inCur)) AND (satisfaction IN (?, ?))) * 1.0 / NULLIF(SUM((\(inCur)) AND (satisfaction IS NOT NULL)), 0)"
        let sql = "SELECT g, cur, prev, cur - prev AS delta, CASE WHEN prev = 0 THEN NULL ELSE (cur - prev) * 1.0 / prev END AS change_rate FROM (SELECT district AS g, \(cur) AS cur, \(cur) AS prev FROM tickets WHERE ((\(inCur)) OR (\(inCur))) AND district IS NOT NULL GROUP BY district) AS t ORDER BY delta IS NULL, delta ASC, g LIMIT ?"
        let c0: DBValue = .text("2026-11-16 00:00:00"), c1: DBValue = .text("2026-11-23 00:00:00")
        let p0: DBValue = .text("2026-11-09 00:00:00"), p1: DBValue = .text("2026-11-16 00:00:00")
        try check(changePlan(.delta, ascending: true, metric: .satisfactionRate), sql,
                  [c0, c1, sat, basic, c0, c1, p0, p1, sat, basic, p0, p1, c0, c1, p0, p1, .integer(3)])
        let r = try XCTUnwrap(try plan("10月和9月比，满意率下降最多的3个区"))
        XCTAssertEqual(r.time, october)
        XCTAssertEqual(r.previous, TimeRange(Day(2026, 9, 1), Day(2026, 10, 1)))
        XCTAssertEqual(r.metric, .satisfactionRate)
        XCTAssertEqual(r.change, .delta)
        XCTAssertTrue(r.ascending)
    }

    // MARK: §9.7 shares of something narrower

    func testNarrowerShareIsOneValue() throws {
        var p = QueryPlan()
        p.time = year
        p.setFilter(.kind, "投诉")
        p.shape = .share(nil)
        p.shareOf = [.filter(.channel, "微信")]
        try check(p, "SELECT ? AS name, COALESCE(SUM(channel = ?), 0) AS n, SUM(channel = ?) * 1.0 / NULLIF(COUNT(*), 0) AS share FROM tickets WHERE created_at >= ? AND created_at < ? AND kind = ?",
                  [.text("微信"), .text("微信"), .text("微信"), y0, y1, .text("投诉")], columns: ["名称", "数量", "占比"])
        let q = try XCTUnwrap(try plan("今年微信投诉占全部投诉的比例"))
        XCTAssertEqual(q.shape, .share(nil))
        XCTAssertEqual(q.shareOf, [.filter(.channel, "微信")])
        XCTAssertEqual(q.filters, [QueryPlan.Filter(dimension: .kind, values: ["投诉"])], "投诉 is the denominator's condition")
        let cat = try XCTUnwrap(try plan("本月供暖在公用事业大类里的占比"))
        XCTAssertEqual(cat.shareOf, [.filter(.subcategory, "供暖")])
        XCTAssertEqual(cat.filter(.category), "公用事业")
        XCTAssertNil(cat.filter(.subcategory))
        // Two conditions make one numerator.
        var two = QueryPlan()
        two.shape = .share(nil)
        two.shareOf = [.flag(.urgent), .filter(.kind, "投诉")]
        try check(two, "SELECT ? AS name, COALESCE(SUM((urgent = 1 AND kind = ?)), 0) AS n, SUM((urgent = 1 AND kind = ?)) * 1.0 / NULLIF(COUNT(*), 0) AS share FROM tickets",
                  [.text("紧急投诉"), .text("投诉"), .text("投诉")])
    }

    func testShareWithinEachGroup() throws {
        var p = QueryPlan()
        p.time = year
        p.shape = .shareWithin(.channel)
        p.shareOf = [.filter(.kind, "咨询")]
        let rows = try check(p, "SELECT channel, COALESCE(SUM(kind = ?), 0) AS a, COUNT(*) AS n, SUM(kind = ?) * 1.0 / COUNT(*) AS share FROM tickets WHERE created_at >= ? AND created_at < ? AND channel IS NOT NULL GROUP BY channel ORDER BY share DESC, channel",
                             [.text("咨询"), .text("咨询"), y0, y1], columns: ["渠道", "咨询", "渠道工单量", "占比"])
        XCTAssertEqual(rows.count, 5)
        let q = try XCTUnwrap(try plan("今年各渠道咨询占本渠道工单的比例"))
        XCTAssertEqual(q.shape, .shareWithin(.channel))
        XCTAssertEqual(q.shareOf, [.filter(.kind, "咨询")])
        XCTAssertNil(q.filter(.kind), "the numerator's condition is not also a filter")
        XCTAssertEqual(try plan("今年各区投诉占本区工单的比例")?.shape, .shareWithin(.district))
    }

    // MARK: §9.9 repeat callers

    func testRepeatCallersGroupedAndTrended() throws {
        var p = QueryPlan()
        p.time = year
        p.shape = .group(.district)
        p.measures = [.repeatCallers]
        try check(p, "SELECT district, COUNT(*) AS v FROM (SELECT district, caller FROM tickets WHERE created_at >= ? AND created_at < ? AND district IS NOT NULL GROUP BY district, caller HAVING COUNT(*) >= ?) AS c GROUP BY district ORDER BY v DESC, district",
                  [y0, y1, .integer(2)], columns: ["区县", "重复来电人数"])
        XCTAssertEqual(try plan("今年各区重复来电人数")?.shape, .group(.district))
        XCTAssertEqual(try plan("今年各区重复来电人数")?.measures, [.repeatCallers])

        var t = QueryPlan()
        t.time = TimeRange(Day(2026, 7, 1), Day(2027, 1, 1))
        t.shape = .trend(.month)
        t.measures = [.repeatCallers]
        try check(t, "SELECT g, COUNT(*) AS v FROM (SELECT substr(created_at, 1, 7) AS g, caller FROM tickets WHERE created_at >= ? AND created_at < ? GROUP BY g, caller HAVING COUNT(*) >= ?) AS c GROUP BY g ORDER BY g",
                  [.text("2026-07-01 00:00:00"), y1, .integer(2)], columns: ["时间", "重复来电人数"])
        let q = try XCTUnwrap(try plan("近两个季度每个月的重复来电人数"))
        XCTAssertEqual(q.shape, .trend(.month))
        XCTAssertEqual(q.time, t.time)
    }

    func testRepeatCallerTicketList() throws {
        var p = QueryPlan()
        p.time = TimeRange(Day(2026, 11, 23), Day(2026, 11, 30))
        p.shape = .list
        p.flags = [.repeatCaller]
        p.limit = 20
        let w0: DBValue = .text("2026-11-23 00:00:00"), w1: DBValue = .text("2026-11-30 00:00:00")
        try check(p, "SELECT id, created_at, district, street, kind, subcategory, status, content FROM tickets WHERE created_at >= ? AND created_at < ? AND caller IN (SELECT caller FROM tickets WHERE created_at >= ? AND created_at < ? GROUP BY caller HAVING COUNT(*) >= ?) ORDER BY created_at DESC, id DESC LIMIT ?",
                  [w0, w1, w0, w1, .integer(2), .integer(20)])
        let q = try XCTUnwrap(try plan("列出本周重复来电的工单"))
        XCTAssertEqual(q.shape, .list)
        XCTAssertEqual(q.flags, [.repeatCaller])
        XCTAssertEqual(compiler.compile(q).sql, compiler.compile(p).sql)
        // Other conditions bind the inner count too: the caller repeats inside 西湖区.
        var x = p
        x.setFilter(.district, "西湖区")
        try check(x, "SELECT id, created_at, district, street, kind, subcategory, status, content FROM tickets WHERE created_at >= ? AND created_at < ? AND district = ? AND caller IN (SELECT caller FROM tickets WHERE created_at >= ? AND created_at < ? AND district = ? GROUP BY caller HAVING COUNT(*) >= ?) ORDER BY created_at DESC, id DESC LIMIT ?",
                  [w0, w1, .text("西湖区"), w0, w1, .text("西湖区"), .integer(2), .integer(20)])
    }
}
