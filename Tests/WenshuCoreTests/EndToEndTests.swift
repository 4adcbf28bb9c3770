import Foundation
import XCTest
@testable import WenshuCore

/// Whole questions against a real SQLite store, checked with independent SQL.
final class EndToEndTests: XCTestCase {
    func ask(_ q: String, _ conv: inout Conversation, engine: Engine? = nil) throws -> Answer {
        try (engine ?? Fixtures.engine()).ask(q, conversation: &conv, now: Fixtures.now)
    }

    func ask(_ q: String) throws -> Answer {
        var c = Conversation()
        return try ask(q, &c)
    }

    func oracle(_ sql: String) throws -> [[DBValue]] { try Fixtures.oracle(Fixtures.sharedStore, sql) }

    func testCountMatchesOracle() throws {
        let a = try ask("上个月西湖区供水类投诉有多少件")
        XCTAssertEqual(a.status, .answered)
        let want = try oracle("SELECT COUNT(*) FROM tickets WHERE created_at >= '2026-10-01' AND created_at < '2026-11-01' AND district = '西湖区' AND subcategory = '供水' AND kind = '投诉'")
        XCTAssertEqual(a.rows, want)
        XCTAssertTrue(a.summary!.contains(want[0][0].description), a.summary!)
        XCTAssertEqual(a.timeRange, TimeRange(Day(2026, 10, 1), Day(2026, 11, 1)))
    }

    func testRankingMatchesOracle() throws {
        let a = try ask("今年投诉最多的前三个街道")
        let want = try oracle("SELECT street, COUNT(*) AS v FROM tickets WHERE created_at >= '2026-01-01' AND created_at < '2027-01-01' AND kind = '投诉' AND street IS NOT NULL GROUP BY street ORDER BY v DESC, street LIMIT 3")
        XCTAssertEqual(a.rows, want)
    }

    func testRatesAndNullDenominator() throws {
        let a = try ask("今年西湖区满意率")
        let want = try oracle("SELECT SUM(satisfaction IN ('满意','基本满意')) * 1.0 / NULLIF(SUM(satisfaction IS NOT NULL), 0) FROM tickets WHERE created_at >= '2026-01-01' AND created_at < '2027-01-01' AND district = '西湖区'")
        XCTAssertEqual(a.rows, want)
        XCTAssertTrue(a.summary!.contains("%"))
        // Open tickets are never rated: the rate is NULL, not an error.
        let b = try ask("今天未办结工单的满意率")
        XCTAssertEqual(b.status, .answered)
        XCTAssertEqual(b.rows, [[.null]])
    }

    func testComparisonRow() throws {
        let a = try ask("上个月工单量环比")
        XCTAssertEqual(a.rows.first?.count, 4)
        let cur = try oracle("SELECT COUNT(*) FROM tickets WHERE created_at >= '2026-10-01' AND created_at < '2026-11-01'")[0][0].doubleValue!
        let prev = try oracle("SELECT COUNT(*) FROM tickets WHERE created_at >= '2026-09-01' AND created_at < '2026-10-01'")[0][0].doubleValue!
        XCTAssertEqual(a.rows[0][0].doubleValue, cur)
        XCTAssertEqual(a.rows[0][1].doubleValue, prev)
        XCTAssertEqual(a.rows[0][2].doubleValue, cur - prev)
        XCTAssertEqual(a.rows[0][3].doubleValue!, (cur - prev) / prev, accuracy: 1e-9)
    }

    func testShareAndTrendAndList() throws {
        let s = try ask("今年各渠道占比")
        let total = try oracle("SELECT COUNT(*) FROM tickets WHERE created_at >= '2026-01-01' AND created_at < '2027-01-01'")[0][0].doubleValue!
        XCTAssertEqual(s.rows.reduce(0) { $0 + $1[2].doubleValue! }, 1, accuracy: 1e-9)
        XCTAssertEqual(s.rows.reduce(0) { $0 + $1[1].doubleValue! }, total)
        let t = try ask("今年每个月的工单量")
        XCTAssertEqual(t.rows.map { $0[0].description }, (1...11).map { String(format: "2026-%02d", $0) })
        let l = try ask("列出昨天的紧急工单")
        let ids = try oracle("SELECT id FROM tickets WHERE created_at >= '2026-11-28' AND created_at < '2026-11-29' AND urgent = 1 ORDER BY created_at DESC, id DESC LIMIT 20")
        XCTAssertEqual(l.rows.map { [$0[0]] }, ids)
    }

    func testFollowUpsCarryContext() throws {
        var c = Conversation()
        _ = try ask("本月西湖区供水投诉多少件", &c)
        let b = try ask("那上个月呢", &c)
        XCTAssertEqual(b.interpretation, "2026年10月 · 西湖区 · 供水 · 投诉 · 工单量")
        let s = try ask("按街道分开看", &c)
        XCTAssertEqual(s.interpretation, "2026年10月 · 西湖区 · 供水 · 投诉 · 按街道 · 工单量 · 排名")
        let top = try ask("最多的是哪个", &c)
        XCTAssertEqual(top.rows.count, 1)
        XCTAssertEqual(top.rows.first, s.rows.first)
        let d = try ask("这个街道具体是哪些工单", &c)
        XCTAssertEqual(d.plan?.filter(.street), s.rows[0][0].stringValue)
        XCTAssertEqual(d.plan?.shape, .list)
        // A new category replaces a contradicting one rather than ANDing to nothing.
        var c2 = Conversation()
        _ = try ask("上个月公用事业类投诉多少件", &c2)
        let n = try ask("噪音的呢", &c2)
        XCTAssertNil(n.plan?.filter(.category))
        XCTAssertEqual(n.plan?.filter(.subcategory), "噪声扰民")
        // A new complete question starts fresh.
        let fresh = try ask("今年拱墅区的举报有多少", &c)
        XCTAssertEqual(fresh.interpretation, "2026年 · 拱墅区 · 举报 · 工单量")
    }

    func testClarifyPickByNumber() throws {
        var c = Conversation()
        let a = try ask("城关镇上个月工单量", &c)
        XCTAssertEqual(a.status, .clarify)
        XCTAssertEqual(a.suggestions.count, 2)
        let b = try ask("２", &c)
        XCTAssertEqual(b.status, .answered)
        XCTAssertEqual(b.plan?.filter(.district), "淳安县")
        XCTAssertEqual(b.plan?.filter(.street), "城关镇")
    }

    func testScopeDeniesOtherPlacesByAnyPhrasing() throws {
        let e = try Fixtures.engine(scope: Scope(level: .district, name: "西湖区"))
        var c = Conversation()
        XCTAssertEqual(try ask("上个月拱墅区工单量", &c, engine: e).status, .denied)
        XCTAssertEqual(try ask("米市巷的投诉", &c, engine: e).status, .denied)
        let own = try ask("上个月北山街道工单量", &c, engine: e)
        XCTAssertEqual(own.status, .answered)
        // Follow-up into another district is denied too; rankings only show the scope.
        _ = try ask("上个月各区工单量", &c, engine: e)
        XCTAssertEqual(try ask("只看拱墅区", &c, engine: e).status, .denied)
        let r = try ask("上个月各区工单量", &c, engine: e)
        XCTAssertEqual(r.rows.map { $0[0] }, [.text("西湖区")])
        XCTAssertTrue(r.sql!.contains("district = ?"))
    }

    func testOutOfScopeRunsNoSQL() throws {
        for q in ["删除所有工单", "'; DROP TABLE tickets; --", "今天天气怎么样"] {
            let a = try ask(q)
            XCTAssertEqual(a.status, .unsupported, q)
            XCTAssertNil(a.sql, q)
            XCTAssertFalse(a.suggestions.isEmpty, q)
        }
    }

    func testStoreBytesUnchangedAfterBatch() throws {
        let path = try Fixtures.makeStore(count: 500)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let e = try Fixtures.engine(path)
        var c = Conversation()
        for q in try CorpusTests.lines("positive.tsv").map(\.0) + ["删除所有工单", "那上个月呢", "按街道分开看"] {
            _ = e.ask(q, conversation: &c, now: Fixtures.now)
        }
        let after = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(before, after)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-journal"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + "-wal"))
    }

    func testMissingAndForeignStores() throws {
        XCTAssertThrowsError(try Engine(path: "/nonexistent/x.db", resources: Fixtures.resources)) { e in
            XCTAssertEqual((e as? StoreError)?.code, .cannotOpen)
        }
        let other = NSTemporaryDirectory() + "wenshu-other-\(UUID().uuidString).db"
        let db = try Database.openForWriting(other)
        try db.execute("CREATE TABLE notes (x TEXT)")
        XCTAssertThrowsError(try Engine(path: other, resources: Fixtures.resources)) { e in
            XCTAssertEqual((e as? StoreError)?.code, .notATicketStore)
        }
        let garbage = NSTemporaryDirectory() + "wenshu-garbage-\(UUID().uuidString).db"
        try Data("this is not sqlite at all, just text".utf8).write(to: URL(fileURLWithPath: garbage))
        XCTAssertThrowsError(try Engine(path: garbage, resources: Fixtures.resources))
    }

    func testJSONAnswerShape() throws {
        var a = try ask("上个月西湖区投诉多少件")
        a.id = "q1"
        let obj = try JSONSerialization.jsonObject(with: Data(a.json.render().utf8)) as! [String: Any]
        for k in ["id", "question", "status", "interpretation", "time_range", "sql", "params", "columns", "rows", "summary", "message", "suggestions"] {
            XCTAssertNotNil(obj[k], k)
        }
        XCTAssertEqual(obj["status"] as? String, "answered")
        XCTAssertEqual((obj["time_range"] as? [String: String])?["start"], "2026-10-01 00:00:00")
    }
}
