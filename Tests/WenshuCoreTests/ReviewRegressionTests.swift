import XCTest
@testable import WenshuCore

/// Regressions for the defects an independent test review found (hint words dropped, bare
/// 多少, 月均 plus 工单量, X的排名, NULL ranks, suggestions that were not answerable, window
/// functions outside the dialect), each an assertion of what the contract asks.
final class ReviewRegressionTests: XCTestCase {
    static let engine: Engine = try! Fixtures.engine()

    func ask(_ q: String) -> Answer {
        var c = Conversation()
        return ReviewRegressionTests.engine.ask(q, conversation: &c, now: Fixtures.now)
    }

    func describe(_ a: Answer) -> String { "\(a.status.rawValue) \(a.interpretation ?? a.message ?? "")" }

    // 1. §9.1: a word that only has a `hint` entry (水, 率, 车, 时…) counts as understood and
    // is silently dropped; the question is answered without it.
    func testHintWordsAreNotDropped() {
        for q in ["上个月西湖区水的问题有多少", "今年拱墅区率是多少", "今年各区的回访率", "本月北山街道的重复投诉率",
                  "上个月西湖区关于共单车的投诉有多少", "去年西湖区的工单及几个小时率"] {
            let a = ask(q)
            XCTAssertEqual(a.status, .clarify, "\(q): \(describe(a))")
        }
    }

    // 2. §9.1: a bare 多少 / 怎么样 with nothing to count is clarify.
    func testBareHowManyAndHowIsIt() {
        for q in ["多少", "有多少", "今年多少", "上个月多少", "怎么样", "情况怎么样"] {
            let a = ask(q)
            XCTAssertEqual(a.status, .clarify, "\(q): \(describe(a))")
        }
        // Chit-chat is unsupported, not a question back about “唱首歌”.
        XCTAssertEqual(ask("唱首歌吧").status, .unsupported)
    }

    // 3. §9.4: 「X以上的」 — the literal 以上的 of the call-count rule hides the threshold.
    func testAboveWithDe() {
        for (q, m, v) in [("今年投诉100件以上的街道", Metric.count, 100.0), ("今年解决率70%以上的街道", .resolveRate, 0.7)] {
            let a = ask(q)
            XCTAssertEqual(a.status, .answered, "\(q): \(describe(a))")
            XCTAssertEqual(a.plan?.having.filter { $0.comparison != .notNull }, [.init(metric: m, comparison: .ge, value: v)], q)
        }
    }

    // 4. §9.3: 月均/日均 followed by 工单量 is one measure, not two columns.
    func testPerMonthWithCountWordIsOneMeasure() {
        for (q, m) in [("今年月均工单量", Metric.perMonth), ("去年平均每月工单量", .perMonth), ("今年西湖区月均工单量", .perMonth),
                       ("本月平均每天工单量", .perDay)] {
            let a = ask(q)
            XCTAssertEqual(a.plan?.measures, [m], "\(q): \(describe(a))")
        }
    }

    // 5. §9.5: 「X的排名」 is X's position among its groups.
    func testRankOfOneMember() {
        for q in ["今年西湖区的工单量排名", "西湖区今年工单量在各区的排名"] {
            let a = ask(q)
            XCTAssertEqual(a.plan?.shape, .rankPosition(.district), "\(q): \(describe(a))")
            XCTAssertEqual(a.plan?.rankOf, "西湖区", q)
        }
    }

    // 6. §9.5/§9.4: a rank position ranks only groups with a value; a member without one is not 排第3.
    func testRankPositionLeavesOutGroupsWithoutAValue() throws {
        // In the last 3 days only 北山街道 and 西湖街道 have rated tickets.
        let a = ask("近3天北山街道满意率在各街道中排第几")
        XCTAssertEqual(a.rows.first?[3], .integer(2), "groups ranked: \(a.rows)")
        let b = ask("近3天米市巷街道满意率在各街道中排第几")
        XCTAssertFalse(b.rows.contains { $0.count > 2 && $0[1] == .null && $0[2] != .null }, "a NULL rate gets a rank: \(b.rows) \(b.summary ?? "")")
    }

    // 7. 「各区…低于八成的街道」 asks for streets, not districts.
    func testStreetsBelowAThresholdInEachDistrict() {
        let a = ask("今年各区满意率低于八成的街道")
        XCTAssertEqual(a.plan?.shape.groupDimension, .street, describe(a))
    }

    // 8. §9.1: suggestions must be answerable questions built from close known words, and
    // the message must quote the unknown word, not a fragment of it.
    func testSuggestionsAndQuotes() {
        let cases: [(String, String)] = [
            ("今年拱墅区那个率是多少", "那个率"),          // quotes “那个”; suggests 「今年拱墅区率是多少」 (answered as 工单量)
            ("上个月西湖区的退单率是多少", "退单"),        // quotes “退”; suggests 退款单率 (answered as 消费维权 count)
            ("今年西湖区的工单签收率", "签收"),            // suggests 「今年西湖区的工单率」 → clarify
            ("上个月西湖区关于共享单车的投诉有多少", "单车"), // quotes “享” only
            ("今年城西片区的工单量", "城西"),              // suggests 城关镇 (ambiguous → clarify)
            ("城东上个月工单量", "城东"),                  // same
            ("今年拱墅区的人大代表建议有多少", "人大代表"),  // quotes “大代表”
            ("今年西湖区的热点问题", "热点"),              // generic 想了解…的什么
            ("上个月西湖区工单的响应时长", "响应"),        // suggests 「上个月西湖区工单的时长」 → clarify
            ("上个月西湖区的疑难工单", "疑难"),            // suggests 「上个月西湖区的工单」 → clarify
            ("今年拱墅区的高空抛物投诉有多少", "高空抛物"),  // quotes “空抛物”
            ("今年西湖区的学区房咨询有多少", "学区房"),      // reads 学区 as a place; suggestions → clarify
            ("上个月未来科技城那边的投诉有多少件", "未来科技城"), // quotes “未”、“科技城”; suggests 「来科技城」
        ]
        for (q, word) in cases {
            let a = ask(q)
            XCTAssertEqual(a.status, .clarify, "\(q): \(describe(a))")
            let msg = a.message ?? ""
            XCTAssertTrue(msg.contains("“\(word)") || msg.contains("\(word)”") || msg.contains(word) && msg.contains("“"), "\(q): \(msg)")
            XCTAssertFalse(a.suggestions.isEmpty, q)
            for s in a.suggestions {
                let b = ask(s)
                XCTAssertEqual(b.status, .answered, "\(q) → suggestion 「\(s)」: \(describe(b))")
            }
        }
    }

    // 9. Window functions and NULL ordering are customisation points of the dialect: they
    // are declared only in a protocol extension, so a second dialect cannot override them
    // (calls through `any SQLDialect` always take the SQLite spelling).
    struct OtherDialect: SQLDialect {
        func placeholder(_ n: Int) -> String { "$\(n)" }
        func periodLabel(_ grain: Grain, of column: String) -> String { "to_char(\(column), 'YYYY-MM')" }
        func hoursBetween(_ from: String, _ to: String) -> String { "EXTRACT(EPOCH FROM (\(to) - \(from))) / 3600" }
        func real(_ expr: String) -> String { "(\(expr))::float8" }
        func rank(orderBy: String) -> String { "OTHER_RANK() OVER (ORDER BY \(orderBy))" }
        func rowNumber(partitionBy: String?, orderBy: String) -> String { "OTHER_RN(\(partitionBy ?? "-"); \(orderBy))" }
        func ascNullsLast(_ e: String) -> String { "\(e) ASC NULLS LAST" }
    }

    func testWindowFunctionsGoThroughTheDialect() {
        let c = SQLCompiler(dialect: OtherDialect(), now: Fixtures.now)
        var p = QueryPlan()
        p.shape = .rankPosition(.district)
        p.rankOf = "西湖区"
        XCTAssertTrue(c.compile(p).sql.contains("OTHER_RANK() OVER (ORDER BY v DESC)"), c.compile(p).sql)
        p.shape = .topPerGroup(.district, .street)
        p.limit = 2
        XCTAssertTrue(c.compile(p).sql.contains("OTHER_RN(district; v DESC, street)"), c.compile(p).sql)
        p.shape = .group(.district)
        p.ascending = true
        XCTAssertTrue(c.compile(p).sql.contains("v ASC NULLS LAST"), c.compile(p).sql)
    }
}
