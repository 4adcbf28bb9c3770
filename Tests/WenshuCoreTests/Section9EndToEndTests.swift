import Foundation
import XCTest
@testable import WenshuCore

/// Contract §9.3–§9.9, end to end: each question goes through `Engine.ask` on the fixture
/// store (now 2026-11-29 10:00, a Sunday) and its rows are compared with SQL written by hand
/// from the contract — deliberately phrased differently from the compiler's (AVG over CASE
/// for rates, correlated subqueries instead of window functions, joins of two period
/// totals for changes) — so a shared mistake is unlikely. The old shapes are checked too.
final class Section9EndToEndTests: XCTestCase {
    static let engine: Engine = try! Fixtures.engine()

    func ask(_ q: String, file: StaticString = #filePath, line: UInt = #line) -> Answer {
        var c = Conversation()
        let a = Section9EndToEndTests.engine.ask(q, conversation: &c, now: Fixtures.now)
        XCTAssertEqual(a.status, .answered, "\(q): \(a.message ?? "")", file: file, line: line)
        return a
    }

    func oracle(_ sql: String) throws -> [[DBValue]] { try Fixtures.oracle(Fixtures.sharedStore, sql) }

    // Hand-written measures (contract §4), each a different spelling from the compiler's.
    static let satRate = "AVG(CASE WHEN satisfaction IN ('满意', '基本满意') THEN 1.0 WHEN satisfaction IS NOT NULL THEN 0.0 END)"
    static let dissatRate = "AVG(CASE WHEN satisfaction = '不满意' THEN 1.0 WHEN satisfaction IS NOT NULL THEN 0.0 END)"
    static let resRate = "AVG(CASE WHEN resolved = 1 THEN 1.0 WHEN resolved IS NOT NULL THEN 0.0 END)"
    static let closeRate = "AVG(CASE WHEN status = '已办结' THEN 1.0 ELSE 0.0 END)"
    static let onTimeRate = "AVG(CASE WHEN status = '已办结' THEN (CASE WHEN closed_at <= due_at THEN 1.0 ELSE 0.0 END) END)"
    static let avgHours = "AVG(CASE WHEN status = '已办结' THEN (strftime('%s', closed_at) - strftime('%s', created_at)) / 3600.0 END)"
    static let overdue = "SUM(CASE WHEN closed_at IS NOT NULL THEN (CASE WHEN closed_at > due_at THEN 1 ELSE 0 END) WHEN due_at < '2026-11-29 10:00:00' THEN 1 ELSE 0 END)"
    static let report = "COUNT(*), \(closeRate), \(onTimeRate), \(satRate), \(resRate), \(avgHours), \(overdue)"

    static let oct = "created_at >= '2026-10-01 00:00:00' AND created_at < '2026-11-01 00:00:00'"
    static let sep = "created_at >= '2026-09-01 00:00:00' AND created_at < '2026-10-01 00:00:00'"
    static let nov = "created_at >= '2026-11-01 00:00:00' AND created_at < '2026-12-01 00:00:00'"
    static let y2026 = "created_at >= '2026-01-01 00:00:00' AND created_at < '2027-01-01 00:00:00'"
    static let y2025 = "created_at >= '2025-01-01 00:00:00' AND created_at < '2026-01-01 00:00:00'"

    /// Rows equal cell by cell on the oracle's columns (extra columns are allowed, §7);
    /// numbers within 1e-9 relative, so the two spellings of a rate may round differently.
    func assertRows(_ got: [[DBValue]], _ want: [[DBValue]], _ q: String, file: StaticString = #filePath, line: UInt = #line) {
        guard got.count == want.count else {
            XCTFail("\(q): \(got.count) rows, want \(want.count)\n got: \(got)\nwant: \(want)", file: file, line: line)
            return
        }
        for (i, (g, w)) in zip(got, want).enumerated() {
            guard g.count >= w.count else { XCTFail("\(q): row \(i) has \(g.count) cells, want \(w.count)", file: file, line: line); continue }
            for (j, wv) in w.enumerated() where !same(g[j], wv) {
                XCTFail("\(q): row \(i) cell \(j): got \(g[j]), want \(wv)\n got: \(got)\nwant: \(want)", file: file, line: line)
                return
            }
        }
    }

    func same(_ a: DBValue, _ b: DBValue) -> Bool {
        if isNumber(a), isNumber(b), let x = a.doubleValue, let y = b.doubleValue { return abs(x - y) <= 1e-9 * max(1, abs(y)) }
        return a == b
    }

    func isNumber(_ v: DBValue) -> Bool {
        switch v {
        case .integer, .real: return true
        default: return false
        }
    }

    /// The oracle must select a strict, non-empty part of the groups, or the test proves little.
    func assertDiscriminating(_ want: [[DBValue]], of all: Int, _ q: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThan(want.count, 0, "\(q): the fixture gives no rows; pick another threshold", file: file, line: line)
        XCTAssertLessThan(want.count, all, "\(q): every group passes; pick another threshold", file: file, line: line)
    }

    // MARK: §9.3 several measures, 三率, the report row, 日均/月均

    func testSeveralMeasuresPerGroup() throws {
        let q = "上个月各区的满意率和解决率"
        let a = ask(q)
        XCTAssertEqual(a.columns, ["区县", "满意率", "解决率"])
        assertRows(a.rows, try oracle("SELECT district, \(Self.satRate) AS s, \(Self.resRate) FROM tickets WHERE \(Self.oct) AND district IS NOT NULL GROUP BY district ORDER BY s IS NULL, s DESC, district"), q)
        let b = ask("本月西湖区的工单量和满意率")
        XCTAssertEqual(b.columns, ["工单量", "满意率"])
        assertRows(b.rows, try oracle("SELECT COUNT(*), \(Self.satRate) FROM tickets WHERE \(Self.nov) AND district = '西湖区'"), b.question)
    }

    func testThreeRates() throws {
        let q = "今年拱墅区的三率"
        let a = ask(q)
        XCTAssertEqual(a.columns, ["解决率", "满意率"])
        assertRows(a.rows, try oracle("SELECT \(Self.resRate), \(Self.satRate) FROM tickets WHERE \(Self.y2026) AND district = '拱墅区'"), q)
        XCTAssertTrue(a.summary?.contains("响应率") == true, "the summary says 响应率 is not in the store: \(a.summary ?? "")")
    }

    func testReportRowForAPlaceAndPerGroup() throws {
        let q = "上个月西湖区的各项指标"
        let a = ask(q)
        XCTAssertEqual(a.columns, ["工单量", "办结率", "按时办结率", "满意率", "解决率", "平均办理时长(小时)", "超期工单数"])
        assertRows(a.rows, try oracle("SELECT \(Self.report) FROM tickets WHERE \(Self.oct) AND district = '西湖区'"), q)
        let g = "今年各区的综合情况"
        assertRows(ask(g).rows, try oracle("SELECT district, \(Self.report) FROM tickets WHERE \(Self.y2026) AND district IS NOT NULL GROUP BY district ORDER BY COUNT(*) DESC, district"), g)
        let m = "本月拱墅区的主要指标"
        assertRows(ask(m).rows, try oracle("SELECT \(Self.report) FROM tickets WHERE \(Self.nov) AND district = '拱墅区'"), m)
    }

    func testPerDayAndPerMonth() throws {
        // November so far: 29 days including today; 2026 so far: 11 months; 2025: 365 days.
        for (q, sql) in [("本月平均每天受理多少工单", "SELECT COUNT(*) / 29.0 FROM tickets WHERE \(Self.nov)"),
                         ("本月日均工单量", "SELECT COUNT(*) / 29.0 FROM tickets WHERE \(Self.nov)"),
                         ("今年月均投诉量是多少", "SELECT COUNT(*) / 11.0 FROM tickets WHERE \(Self.y2026) AND kind = '投诉'"),
                         ("去年日均工单量", "SELECT COUNT(*) / 365.0 FROM tickets WHERE \(Self.y2025)"),
                         ("去年平均每月工单量", "SELECT COUNT(*) / 12.0 FROM tickets WHERE \(Self.y2025)"),
                         ("上个月西湖区日均投诉量", "SELECT COUNT(*) / 31.0 FROM tickets WHERE \(Self.oct) AND district = '西湖区' AND kind = '投诉'")] {
            assertRows(ask(q).rows, try oracle(sql), q)
        }
    }

    // MARK: §9.4 thresholds on any measure

    func testThresholdOnARateBelowIsAscending() throws {
        let all = try groups("street", Self.y2026)
        for (q, x) in [("今年满意率低于66%的街道", 0.66), ("今年满意率低于百分之六十六的街道", 0.66), ("今年满意率不到0.66的街道", 0.66)] {
            let want = try oracle("SELECT street, \(Self.satRate) AS s FROM tickets WHERE \(Self.y2026) AND street IS NOT NULL GROUP BY street HAVING s < \(x) ORDER BY s ASC, street")
            assertDiscriminating(want, of: all, q)
            assertRows(ask(q).rows, want, q)
        }
    }

    func groups(_ dim: String, _ when: String) throws -> Int {
        Int(try oracle("SELECT COUNT(DISTINCT \(dim)) FROM tickets WHERE \(when)")[0][0].doubleValue ?? 0)
    }

    func testThresholdOnARateAboveIsDescending() throws {
        for (q, dim, rate, op, x) in [("今年解决率不低于六成七的部门", "department", Self.resRate, ">=", 0.67),
                                      ("今年不满意率超过三分之一的街道", "street", Self.dissatRate, ">", 1.0 / 3),
                                      ("今年满意率高于六成五的社区", "community", Self.satRate, ">", 0.65),
                                      ("今年办结率至少百分之九十九的二级分类", "subcategory", Self.closeRate, ">=", 0.99)] {
            let want = try oracle("SELECT \(dim), \(rate) AS s FROM tickets WHERE \(Self.y2026) AND \(dim) IS NOT NULL GROUP BY \(dim) HAVING s \(op) \(x) ORDER BY s DESC, \(dim)")
            assertDiscriminating(want, of: try groups(dim, Self.y2026), q)
            assertRows(ask(q).rows, want, q)
        }
    }

    func testThresholdOnADuration() throws {
        // In days (2天 = 48 hours) and in hours; only groups with closed tickets have a duration.
        let days = "今年平均办理时长超过4天的二级分类"
        assertRows(ask(days).rows, try oracle("SELECT subcategory, \(Self.avgHours) AS h FROM tickets WHERE \(Self.y2026) AND subcategory IS NOT NULL GROUP BY subcategory HAVING h > 96 ORDER BY h DESC, subcategory"), days)
        let hours = "今年平均办理时长超过104小时的二级分类"
        let want = try oracle("SELECT subcategory, \(Self.avgHours) AS h FROM tickets WHERE \(Self.y2026) AND subcategory IS NOT NULL GROUP BY subcategory HAVING h > 104 ORDER BY h DESC, subcategory")
        assertDiscriminating(want, of: try groups("subcategory", Self.y2026), hours)
        assertRows(ask(hours).rows, want, hours)
        let q = "今年平均办理时长不超过102小时的部门"
        let low = try oracle("SELECT department, \(Self.avgHours) AS h FROM tickets WHERE \(Self.y2026) AND department IS NOT NULL GROUP BY department HAVING h <= 102 ORDER BY h ASC, department")
        assertDiscriminating(low, of: try groups("department", Self.y2026), q)
        assertRows(ask(q).rows, low, q)
    }

    func testThresholdOnACount() throws {
        let q = "今年投诉超过40件的社区"
        let want = try oracle("SELECT community, COUNT(*) AS n FROM tickets WHERE \(Self.y2026) AND kind = '投诉' AND community IS NOT NULL GROUP BY community HAVING n > 40 ORDER BY n DESC, community")
        assertDiscriminating(want, of: try groups("community", Self.y2026), q)
        assertRows(ask(q).rows, want, q)
        let low = "今年工单量少于300件的街道"
        let lw = try oracle("SELECT street, COUNT(*) AS n FROM tickets WHERE \(Self.y2026) AND street IS NOT NULL GROUP BY street HAVING n < 300 ORDER BY n ASC, street")
        assertDiscriminating(lw, of: try groups("street", Self.y2026), low)
        assertRows(ask(low).rows, lw, low)
    }

    // MARK: §9.5 order and position

    func testLowestNAndDirectionWords() throws {
        let q = "上个月工单量最少的3个街道"
        assertRows(ask(q).rows, try oracle("SELECT street, COUNT(*) AS n FROM tickets WHERE \(Self.oct) AND street IS NOT NULL GROUP BY street ORDER BY n ASC, street LIMIT 3"), q)
        let asc = "今年各区满意率从低到高"
        assertRows(ask(asc).rows, try oracle("SELECT district, \(Self.satRate) AS s FROM tickets WHERE \(Self.y2026) AND district IS NOT NULL GROUP BY district ORDER BY s ASC, district"), asc)
        for q in ["今年各部门解决率倒数2名", "今年各部门解决率后2名", "今年解决率最低的2个部门"] {
            assertRows(ask(q).rows, try oracle("SELECT department, \(Self.resRate) AS s FROM tickets WHERE \(Self.y2026) AND department IS NOT NULL GROUP BY department HAVING s IS NOT NULL ORDER BY s ASC, department LIMIT 2"), q)
        }
        let short = "今年各部门平均办理时长从短到长"
        assertRows(ask(short).rows, try oracle("SELECT department, \(Self.avgHours) AS h FROM tickets WHERE \(Self.y2026) AND department IS NOT NULL AND status = '已办结' GROUP BY department ORDER BY h ASC, department"), short)
    }

    func testAscendingRankingLeavesOutGroupsWithNoValue() throws {
        // Yesterday's tickets are mostly open: some streets have no rated ticket, so no 满意率.
        let q = "近3天满意率最低的3个街道"
        let want = try oracle("SELECT street, \(Self.satRate) AS s FROM tickets WHERE created_at >= '2026-11-27 00:00:00' AND created_at < '2026-11-30 00:00:00' AND street IS NOT NULL GROUP BY street HAVING s IS NOT NULL ORDER BY s ASC, street LIMIT 3")
        let withNull = try oracle("SELECT COUNT(DISTINCT street) FROM tickets WHERE created_at >= '2026-11-27 00:00:00' AND created_at < '2026-11-30 00:00:00'")[0][0].doubleValue ?? 0
        XCTAssertLessThan(want.count, 3, "the fixture has streets without a rating in these days")
        XCTAssertGreaterThanOrEqual(withNull, 3)
        let a = ask(q)
        assertRows(a.rows, want, q)
        XCTAssertFalse(a.rows.contains { $0.count > 1 && $0[1] == .null }, "\(q): a group without a value is not the lowest")
    }

    func testRankPosition() throws {
        let q = "今年西湖区投诉量在各区中排第几"
        // Rank = 1 + the number of groups with a strictly higher value (ties share the better rank).
        let want = try oracle("""
            WITH g AS (SELECT district, COUNT(*) AS v FROM tickets WHERE \(Self.y2026) AND kind = '投诉' AND district IS NOT NULL GROUP BY district)
            SELECT district, v, 1 + (SELECT COUNT(h.v) FROM g AS h WHERE h.v > g.v), (SELECT COUNT(h.district) FROM g AS h) FROM g WHERE district = '西湖区'
            """)
        let a = ask(q)
        XCTAssertEqual(a.rows.count, 1)
        assertRows(a.rows, want, q)
        let s = "今年北山街道满意率在各街道中排第几"
        assertRows(ask(s).rows, try oracle("""
            WITH g AS (SELECT street, \(Self.satRate) AS v FROM tickets WHERE \(Self.y2026) AND street IS NOT NULL GROUP BY street)
            SELECT street, v, 1 + (SELECT COUNT(h.v) FROM g AS h WHERE h.v > g.v), (SELECT COUNT(h.street) FROM g AS h) FROM g WHERE street = '北山街道'
            """), s)
    }

    func testTopAndBottom() throws {
        let q = "今年各街道解决率前2名和后2名"
        let top = try oracle("SELECT street, \(Self.resRate) AS s, '前2' FROM tickets WHERE \(Self.y2026) AND street IS NOT NULL GROUP BY street HAVING s IS NOT NULL ORDER BY s DESC, street LIMIT 2")
        let bottom = try oracle("SELECT street, \(Self.resRate) AS s, '后2' FROM tickets WHERE \(Self.y2026) AND street IS NOT NULL GROUP BY street HAVING s IS NOT NULL ORDER BY s ASC, street LIMIT 2")
        let a = ask(q)
        XCTAssertEqual(a.columns.last, "榜")
        assertRows(a.rows, top + bottom, q)
        let red = "上个月各部门满意率红黑榜"
        let rt = try oracle("SELECT department, \(Self.satRate) AS s, '前5' FROM tickets WHERE \(Self.oct) AND department IS NOT NULL GROUP BY department HAVING s IS NOT NULL ORDER BY s DESC, department LIMIT 5")
        let rb = try oracle("SELECT department, \(Self.satRate) AS s, '后5' FROM tickets WHERE \(Self.oct) AND department IS NOT NULL GROUP BY department HAVING s IS NOT NULL ORDER BY s ASC, department LIMIT 5")
        assertRows(ask(red).rows, rt + rb, red)
    }

    func testTopNInsideEachGroup() throws {
        let q = "今年每个区投诉最多的2个街道"
        // A street is in when fewer than 2 streets of its district come before it (value, then name).
        let want = try oracle("""
            WITH g AS (SELECT district, street, COUNT(*) AS v FROM tickets WHERE \(Self.y2026) AND kind = '投诉' AND district IS NOT NULL AND street IS NOT NULL GROUP BY district, street)
            SELECT district, street, v FROM g
            WHERE (SELECT COUNT(*) FROM g AS h WHERE h.district = g.district AND (h.v > g.v OR (h.v = g.v AND h.street < g.street))) < 2
            ORDER BY district, v DESC, street
            """)
        assertRows(ask(q).rows, want, q)
        let one = "今年每个区工单量最多的1个街道"
        assertRows(ask(one).rows, try oracle("""
            WITH g AS (SELECT district, street, COUNT(*) AS v FROM tickets WHERE \(Self.y2026) AND district IS NOT NULL AND street IS NOT NULL GROUP BY district, street)
            SELECT district, street, v FROM g
            WHERE (SELECT COUNT(*) FROM g AS h WHERE h.district = g.district AND (h.v > g.v OR (h.v = g.v AND h.street < g.street))) < 1
            ORDER BY district, v DESC, street
            """), one)
    }

    // MARK: §9.6 change rankings

    /// Rows [name, current, previous, delta, change_rate] from two separately computed period totals.
    func changeOracle(_ dim: String, _ measure: String, cur: String, prev: String, order: String, limit: Int, extra: String = "") throws -> [[DBValue]] {
        try oracle("""
            WITH c AS (SELECT \(dim) AS g, \(measure) AS v FROM tickets WHERE \(cur) \(extra) AND \(dim) IS NOT NULL GROUP BY \(dim)),
                 p AS (SELECT \(dim) AS g, \(measure) AS v FROM tickets WHERE \(prev) \(extra) AND \(dim) IS NOT NULL GROUP BY \(dim)),
                 k AS (SELECT g FROM c UNION SELECT g FROM p),
                 x AS (SELECT k.g AS name, \(measure == "COUNT(*)" ? "COALESCE(c.v, 0)" : "c.v") AS cur, \(measure == "COUNT(*)" ? "COALESCE(p.v, 0)" : "p.v") AS prev
                       FROM k LEFT JOIN c ON c.g = k.g LEFT JOIN p ON p.g = k.g)
            SELECT name, cur, prev, cur - prev AS delta, CASE WHEN prev IS NULL OR prev = 0 THEN NULL ELSE (cur - prev) / CAST(prev AS REAL) END AS rate
            FROM x ORDER BY \(order), name LIMIT \(limit)
            """)
    }

    func testChangeRankings() throws {
        let lastWeek = "created_at >= '2026-11-16 00:00:00' AND created_at < '2026-11-23 00:00:00'"
        let weekBefore = "created_at >= '2026-11-09 00:00:00' AND created_at < '2026-11-16 00:00:00'"
        let cases: [(String, String, String, String, String, String, Int)] = [
            ("上周工单量增加最多的3个街道", "street", "COUNT(*)", lastWeek, weekBefore, "delta IS NULL, delta DESC", 3),
            ("上周工单量下降最多的3个街道", "street", "COUNT(*)", lastWeek, weekBefore, "delta IS NULL, delta ASC", 3),
            ("本月和上月相比，工单量降幅最大的2个二级分类", "subcategory", "COUNT(*)", Self.nov, Self.oct, "delta IS NULL, delta ASC", 2),
            ("今年比去年增长最快的3个二级分类", "subcategory", "COUNT(*)", Self.y2026, Self.y2025, "rate IS NULL, rate DESC", 3),
            ("10月和9月比，满意率下降最多的2个区", "district", Self.satRate, Self.oct, Self.sep, "delta IS NULL, delta ASC", 2),
            ("10月和9月比，解决率增加最多的2个部门", "department", Self.resRate, Self.oct, Self.sep, "delta IS NULL, delta DESC", 2),
        ]
        for (q, dim, m, cur, prev, order, n) in cases {
            let a = ask(q)
            XCTAssertEqual(a.columns.count, 5, q)
            assertRows(a.rows, try changeOracle(dim, m, cur: cur, prev: prev, order: order, limit: n), q)
        }
        // The summary of a fall says 减少, never 增加-N.
        let fall = ask("上周工单量下降最多的3个街道")
        XCTAssertFalse(fall.summary?.contains("增加-") ?? true, fall.summary ?? "")
    }

    // MARK: §9.7 shares of something narrower

    func testNarrowerShares() throws {
        for (q, num, scope) in [("今年西湖区紧急投诉占全部投诉的比例", "urgent = 1", "\(Self.y2026) AND district = '西湖区' AND kind = '投诉'"),
                                ("今年微信投诉占全部投诉的比例", "channel = '微信'", "\(Self.y2026) AND kind = '投诉'"),
                                ("本月供暖在公用事业大类里的占比", "subcategory = '供暖'", "\(Self.nov) AND category = '公用事业'"),
                                ("上个月投诉占全部工单的比例", "kind = '投诉'", Self.oct)] {
            let a = ask(q)
            let want = try oracle("SELECT SUM(CASE WHEN \(num) THEN 1 ELSE 0 END), AVG(CASE WHEN \(num) THEN 1.0 ELSE 0.0 END) FROM tickets WHERE \(scope)")
            XCTAssertEqual(a.rows.count, 1, q)
            guard let row = a.rows.first, row.count >= 3 else { XCTFail("\(q): \(a.rows)"); continue }
            XCTAssertTrue(same(row[1], want[0][0]), "\(q): count \(row[1]) want \(want[0][0])")
            XCTAssertTrue(same(row[2], want[0][1]), "\(q): share \(row[2]) want \(want[0][1])")
        }
    }

    func testShareInsideEachGroup() throws {
        for (q, dim, num) in [("今年各渠道咨询占本渠道工单的比例", "channel", "kind = '咨询'"),
                              ("今年各区投诉占本区工单的比例", "district", "kind = '投诉'"),
                              ("上个月各街道紧急工单占本街道工单的比例", "street", "urgent = 1")] {
            let when = q.hasPrefix("今年") ? Self.y2026 : Self.oct
            let want = try oracle("SELECT \(dim), SUM(CASE WHEN \(num) THEN 1 ELSE 0 END), COUNT(*), AVG(CASE WHEN \(num) THEN 1.0 ELSE 0.0 END) AS s FROM tickets WHERE \(when) AND \(dim) IS NOT NULL GROUP BY \(dim) ORDER BY s DESC, \(dim)")
            assertRows(ask(q).rows, want, q)
        }
    }

    // MARK: §9.8 several places or values

    func testValuesOfOneDimensionInTheOrderNamed() throws {
        let q = "上个月拱墅区和西湖区的工单量"
        let g = try oracle("SELECT COUNT(*) FROM tickets WHERE \(Self.oct) AND district = '拱墅区'")[0][0]
        let x = try oracle("SELECT COUNT(*) FROM tickets WHERE \(Self.oct) AND district = '西湖区'")[0][0]
        assertRows(ask(q).rows, [[.text("拱墅区"), g], [.text("西湖区"), x]], q)
        let kinds = "国庆以来咨询、求助及建议各有多少件"
        var want: [[DBValue]] = []
        for k in ["咨询", "求助", "建议"] {
            want.append([.text(k)] + (try oracle("SELECT COUNT(*) FROM tickets WHERE created_at >= '2026-10-01 00:00:00' AND created_at < '2026-11-30 00:00:00' AND kind = '\(k)'")[0]))
        }
        assertRows(ask(kinds).rows, want, kinds)
        let ch = "本月电话与微信渠道的满意率"
        var chWant: [[DBValue]] = []
        for c in ["电话", "微信"] { chWant.append([.text(c)] + (try oracle("SELECT \(Self.satRate) FROM tickets WHERE \(Self.nov) AND channel = '\(c)'")[0])) }
        assertRows(ask(ch).rows, chWant, ch)
        // Several values under another grouping: one IN filter.
        let by = "今年投诉和举报各区各有多少"
        var conv = Conversation()
        let a = Section9EndToEndTests.engine.ask(by, conversation: &conv, now: Fixtures.now)
        if a.status == .answered {
            assertRows(a.rows, try oracle("SELECT district, COUNT(*) AS n FROM tickets WHERE \(Self.y2026) AND kind IN ('投诉', '举报') AND district IS NOT NULL GROUP BY district ORDER BY n DESC, district"), by)
        }
    }

    func testPlacesOfTwoLevelsAskBack() {
        for q in ["拱墅区和北山街道的工单量", "上个月淳安县和米市巷街道的投诉"] {
            var c = Conversation()
            let a = Section9EndToEndTests.engine.ask(q, conversation: &c, now: Fixtures.now)
            XCTAssertEqual(a.status, .clarify, q)
            XCTAssertNil(a.sql, q)
            XCTAssertGreaterThanOrEqual(a.suggestions.count, 2, q)
        }
    }

    // MARK: §9.9 repeat callers

    func testRepeatCallers() throws {
        let v = "今年重复来电人数"
        assertRows(ask(v).rows, try oracle("SELECT COUNT(*) FROM (SELECT caller FROM tickets WHERE \(Self.y2026) GROUP BY caller HAVING COUNT(*) > 1)"), v)
        // Per group: the caller's tickets inside that group.
        let g = "今年各区重复来电人数"
        assertRows(ask(g).rows, try oracle("""
            SELECT d.district, (SELECT COUNT(*) FROM (SELECT caller FROM tickets WHERE \(Self.y2026) AND district = d.district GROUP BY caller HAVING COUNT(*) > 1)) AS n
            FROM (SELECT DISTINCT district FROM tickets WHERE \(Self.y2026) AND district IS NOT NULL) AS d
            WHERE n > 0 ORDER BY n DESC, d.district
            """), g)
        let t = "今年每个月的重复来电人数"
        assertRows(ask(t).rows, try oracle("""
            SELECT m.p, (SELECT COUNT(*) FROM (SELECT caller FROM tickets WHERE substr(created_at, 1, 7) = m.p GROUP BY caller HAVING COUNT(*) > 1)) AS n
            FROM (SELECT DISTINCT substr(created_at, 1, 7) AS p FROM tickets WHERE \(Self.y2026)) AS m WHERE n > 0 ORDER BY m.p
            """), t)
        let l = "列出本周重复来电的工单"
        let week = "created_at >= '2026-11-23 00:00:00' AND created_at < '2026-11-30 00:00:00'"
        let a = ask(l)
        let ids = try oracle("SELECT t.id FROM tickets AS t WHERE \(week) AND (SELECT COUNT(*) FROM tickets AS u WHERE u.caller = t.caller AND u.created_at >= '2026-11-23 00:00:00' AND u.created_at < '2026-11-30 00:00:00') >= 2 ORDER BY t.created_at DESC, t.id DESC LIMIT 20")
        XCTAssertEqual(a.rows.map { [$0[0]] }, ids, l)
        XCTAssertFalse(ids.isEmpty, "the fixture has repeat callers this week")
    }

    // MARK: the old shapes, unchanged

    func testOldShapesUnchanged() throws {
        let c = ask("上个月西湖区供水类投诉有多少件")
        XCTAssertEqual(c.interpretation, "2026年10月 · 西湖区 · 供水 · 投诉 · 工单量")
        XCTAssertEqual(c.columns, ["工单量"])
        XCTAssertEqual(c.sql, "SELECT COUNT(*) AS v FROM tickets WHERE created_at >= ? AND created_at < ? AND district = ? AND subcategory = ? AND kind = ?")
        assertRows(c.rows, try oracle("SELECT COUNT(*) FROM tickets WHERE \(Self.oct) AND district = '西湖区' AND subcategory = '供水' AND kind = '投诉'"), c.question)

        let r = ask("今年投诉最多的前三个街道")
        XCTAssertEqual(Array(r.columns.prefix(2)), ["街道", "工单量"])
        assertRows(r.rows, try oracle("SELECT street, COUNT(*) AS n FROM tickets WHERE \(Self.y2026) AND kind = '投诉' AND street IS NOT NULL GROUP BY street ORDER BY n DESC, street LIMIT 3"), r.question)

        let t = ask("今年每个月的工单量")
        assertRows(t.rows, try oracle("SELECT substr(created_at, 1, 7) AS m, COUNT(*) FROM tickets WHERE \(Self.y2026) GROUP BY m ORDER BY m"), t.question)

        let cmp = ask("上个月工单量环比")
        let cur = try oracle("SELECT COUNT(*) FROM tickets WHERE \(Self.oct)")[0][0].doubleValue ?? 0
        let prev = try oracle("SELECT COUNT(*) FROM tickets WHERE \(Self.sep)")[0][0].doubleValue ?? 0
        assertRows(cmp.rows, [[.real(cur), .real(prev), .real(cur - prev), .real((cur - prev) / prev)]], cmp.question)

        let s = ask("今年各渠道占比")
        let total = try oracle("SELECT COUNT(*) FROM tickets WHERE \(Self.y2026)")[0][0].doubleValue ?? 1
        assertRows(s.rows, try oracle("SELECT channel, COUNT(*) AS n, COUNT(*) / \(total) FROM tickets WHERE \(Self.y2026) GROUP BY channel ORDER BY n DESC, channel"), s.question)

        let one = ask("今年西湖区投诉占比")
        let share = try oracle("SELECT SUM(kind = '投诉'), AVG(CASE WHEN kind = '投诉' THEN 1.0 ELSE 0.0 END) FROM tickets WHERE \(Self.y2026) AND district = '西湖区'")[0]
        XCTAssertEqual(one.rows.count, 1)
        if let row = one.rows.first, row.count >= 3 { XCTAssertTrue(same(row[1], share[0]) && same(row[2], share[1]), "\(row) want \(share)") }

        let l = ask("列出昨天的紧急工单")
        XCTAssertEqual(l.columns, ["工单编号", "受理时间", "区县", "街道", "诉求类型", "二级分类", "状态", "诉求内容"])
        assertRows(l.rows, try oracle("SELECT id, created_at, district, street, kind, subcategory, status, content FROM tickets WHERE created_at >= '2026-11-28 00:00:00' AND created_at < '2026-11-29 00:00:00' AND urgent = 1 ORDER BY created_at DESC, id DESC LIMIT 20"), l.question)
    }
}
