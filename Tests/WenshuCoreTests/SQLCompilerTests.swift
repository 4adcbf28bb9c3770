import XCTest
@testable import WenshuCore

/// Compiled SQL for hand-built plans: exact text and parameters.
final class SQLCompilerTests: XCTestCase {
    let compiler = SQLCompiler(now: Fixtures.now)
    let october = TimeRange(Day(2026, 10, 1), Day(2026, 11, 1))

    /// The literal condition of each dimension names its own column.
    func testEqualsParameterNamesTheColumn() {
        for d in Dimension.allCases { XCTAssertEqual(d.equalsParameter, d.column + " = " + P) }
    }

    func testCountWithFilters() {
        var p = QueryPlan()
        p.time = october
        p.setFilter(.district, "西湖区")
        p.setFilter(.subcategory, "供水")
        p.setFilter(.kind, "投诉")
        let q = compiler.compile(p)
        XCTAssertEqual(q.sql, "SELECT COUNT(*) AS v FROM tickets WHERE created_at >= ? AND created_at < ? AND district = ? AND subcategory = ? AND kind = ?")
        XCTAssertEqual(q.params, [.text("2026-10-01 00:00:00"), .text("2026-11-01 00:00:00"), .text("西湖区"), .text("供水"), .text("投诉")])
    }

    func testRankingWithLimitAndScope() {
        var p = QueryPlan()
        p.shape = .group(.street)
        p.limit = 5
        p.scope = Scope(level: .district, name: "西湖区")
        let q = compiler.compile(p)
        XCTAssertEqual(q.sql, "SELECT street, COUNT(*) AS v FROM tickets WHERE district = ? AND street IS NOT NULL GROUP BY street ORDER BY v DESC, street LIMIT ?")
        XCTAssertEqual(q.params, [.text("西湖区"), .integer(5)])
    }

    func testAscendingRankingPutsNullRatesLast() {
        var p = QueryPlan()
        p.shape = .group(.department)
        p.metric = .satisfactionRate
        p.ascending = true
        p.limit = 1
        XCTAssertEqual(compiler.compile(p).sql, "SELECT department, SUM(satisfaction IN (?, ?)) * 1.0 / NULLIF(SUM(satisfaction IS NOT NULL), 0) AS v, SUM(satisfaction IS NOT NULL) AS base FROM tickets WHERE department IS NOT NULL GROUP BY department ORDER BY v IS NULL, v ASC, department LIMIT ?")
    }

    func testWeeklyTrend() {
        var p = QueryPlan()
        p.shape = .trend(.week)
        XCTAssertEqual(compiler.compile(p).sql, "SELECT date(created_at, 'weekday 0', '-6 days') AS g, COUNT(*) AS v FROM tickets GROUP BY g ORDER BY g")
    }

    func testComparisonUsesTwoPeriods() {
        var p = QueryPlan()
        p.time = october
        p.previous = october.previousPeriod
        p.shape = .compare(.previous)
        let q = compiler.compile(p)
        XCTAssertTrue(q.sql.hasPrefix("WITH x AS (SELECT (SELECT COUNT(*) FROM tickets WHERE created_at >= ? AND created_at < ?) AS cur, (SELECT COUNT(*) FROM tickets WHERE created_at >= ? AND created_at < ?) AS prev)"), q.sql)
        XCTAssertEqual(q.params.map(\.description), ["2026-10-01 00:00:00", "2026-11-01 00:00:00", "2026-09-01 00:00:00", "2026-10-01 00:00:00"])
    }

    func testOverdueUsesNowAndContentIsEscaped() {
        var p = QueryPlan()
        p.flags = [.overdue]
        p.content = ["100%_好"]
        let q = compiler.compile(p)
        XCTAssertEqual(q.sql, "SELECT COUNT(*) AS v FROM tickets WHERE ((closed_at IS NOT NULL AND closed_at > due_at) OR (closed_at IS NULL AND due_at < ?)) AND content LIKE ? ESCAPE '\\'")
        XCTAssertEqual(q.params, [.text("2026-11-29 10:00:00"), .text("%100\\%\\_好%")])
    }

    func testRepeatCallersAndList() {
        var p = QueryPlan()
        p.measures = [.repeatCallers]
        p.callerMin = 5
        XCTAssertEqual(compiler.compile(p).sql, "SELECT COUNT(*) AS v FROM (SELECT caller FROM tickets GROUP BY caller HAVING COUNT(*) >= ?) AS c")
        XCTAssertEqual(compiler.compile(p).params, [.integer(5)])
        p.shape = .list
        p.limit = 5000
        let q = compiler.compile(p)
        XCTAssertTrue(q.sql.hasSuffix("ORDER BY created_at DESC, id DESC LIMIT ?"))
        XCTAssertEqual(q.params.last, .integer(1000), "a list never exceeds 1000 rows")
    }

    func testEveryUserValueIsAParameter() throws {
        // A hostile value stays a parameter; the SQL text never contains it.
        var p = QueryPlan()
        p.setFilter(.district, "x'; DROP TABLE tickets; --")
        let q = compiler.compile(p)
        XCTAssertFalse(q.sql.contains("DROP"))
        XCTAssertEqual(q.params, [.text("x'; DROP TABLE tickets; --")])
        let rows = try Fixtures.engine().db.query(q.sql, q.params).rows
        XCTAssertEqual(rows, [[.integer(0)]])
    }
}
