import Foundation
import XCTest
@testable import WenshuCore
@testable import WenshuPostgres
import PGTestSupport

/// The same generated tickets in SQLite and in PostgreSQL, the same questions through both
/// engines: the same statuses and the same rows (floats to 1e-9, relative).
final class PostgresParityTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let now = Now("2026-11-29 10:00:00")!

    /// Every plan shape: counts, rankings, trends by each grain, comparisons, shares, lists,
    /// rates, average hours, overdue, several measures, thresholds, rank position, top and
    /// bottom, top N per group, change rankings, repeat callers, weekday/weekend, content words.
    static let questions: [String] = [
        "上个月工单量", "昨天全市一共接了多少个工单", "上个月西湖区供水类投诉有多少件", "今年紧急工单有多少",
        "今年投诉最多的前五个街道", "近30天哪个部门承办的工单最多", "上个月各区工单量排名", "今年各区工单量从少到多排",
        "近7天每天的工单量", "本季度每周的工单量走势", "今年每个月的工单量", "近两年每个季度的工单量", "近三年每年的工单量",
        "今年工单量最多的月份", "上个月工单量环比变化多少", "10月份供水投诉同比增长多少", "本月工单量和上月比怎么样",
        "今年各渠道来源占比", "今年各区投诉占比", "今年紧急工单占比", "今年西湖区紧急投诉占全部投诉的比例",
        "今年各渠道咨询占本渠道工单的比例", "本月供暖在公用事业大类里的占比",
        "列出昨天的紧急工单", "上个月评价不满意的工单具体是哪些", "列出本周重复来电的工单", "列出上周关于漏水的工单",
        "今年全市满意率是多少", "去年的按时办结率", "今年各区的解决率", "今年各部门的办结率", "今年不满意率最高的5个二级分类",
        "今年平均办理时长", "上个月各区平均办理时长", "今年以来超期工单有多少", "今年各区超期工单数", "今年各区的超期率",
        "上个月各区的满意率和解决率", "今年拱墅区的三率", "本月平均每天受理多少工单", "今年月均投诉量是多少",
        "上个月萧山区满意率低于80%的街道有哪些", "今年解决率不低于八成的二级分类", "前三季度平均办理时长超过5天的二级分类",
        "本月办结率不到百分之九十的一级分类", "今年工单量超过1000件的街道", "上个月工单量最少的3个区",
        "近一个季度西湖区投诉量在各区中排第几", "今年各区解决率前3名和后3名", "今年每个区投诉最多的2个街道",
        "上周工单量增加最多的3个区", "本月和上月相比，工单量降幅最大的5个二级分类", "今年比去年增长最快的5个二级分类",
        "10月和9月比，满意率下降最多的3个区", "今年各区重复来电人数", "近两个季度每个月的重复来电人数",
        "近三个月来电5次以上的来电人有几个", "今年周末的工单量", "上个月工作日的投诉有多少", "今年周末各区的工单量",
        "上个月萧山、余杭和临平的投诉量", "国庆以来咨询、求助及建议各有多少件", "本月电话与微信渠道的满意率",
        "今年各区满意率从低到高排一下", "今年萧山区的主要指标", "今年各一级分类的工单量", "今年未办结的工单有多少",
        "今年待派单的工单有多少", "上个月办理中的工单各区有多少", "今年各街道的满意率", "今年各社区工单量前10",
    ]

    nonisolated(unsafe) static var fixture: Result<(sqlite: String, pg: PostgresURL, pgText: PostgresURL), Error>?

    /// SQLite store (Hangzhou, 20,000 tickets) and its copies in PostgreSQL: one with
    /// timestamp columns, one with the contract's TEXT times; a read-only role for both.
    static func stores() throws -> (sqlite: String, pg: PostgresURL, pgText: PostgresURL) {
        if let f = fixture { return try f.get() }
        let r = Result { () throws -> (sqlite: String, pg: PostgresURL, pgText: PostgresURL) in
            let cluster = try PGCluster.shared()
            // Files live in the cluster's directory, removed with it at exit.
            setenv("XDG_CACHE_HOME", cluster.dir + "/cache", 1)
            let resources = try Resources.load(root: packageRoot)
            let city = try CityFile.load("hangzhou", resources: resources.root)
            let file = cluster.dir + "/parity.db"
            try Seeder(city: city, options: .init(count: 20_000, seed: 7, now: now, start: Day(2024, 7, 1))).write(to: file)
            try cluster.createDatabase("parity")
            try cluster.createDatabase("parity_text")
            let n = try PostgresLoader.load(from: file, to: try cluster.url(database: "parity"))
            XCTAssertEqual(n, 20_000)
            try PostgresLoader.load(from: file, to: try cluster.url(database: "parity_text"), times: .text, brin: true)
            try cluster.createReader("wenshu_reader", password: "r3ad-only", database: "parity")
            try cluster.createReader("wenshu_reader", password: "r3ad-only", database: "parity_text")
            return (file, try cluster.url(user: "wenshu_reader", password: "r3ad-only", database: "parity"),
                    try cluster.url(user: "wenshu_reader", password: "r3ad-only", database: "parity_text"))
        }
        fixture = r
        return try r.get()
    }

    /// The built-in questions, then the evaluation kit's dev sets when they sit beside the checkout.
    static func allQuestions() -> [(id: String, question: String, session: String?)] {
        var out = questions.enumerated().map { (id: "b\($0.offset)", question: $0.element, session: String?.none) }
        let kit = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/eval")
        for set in ["dev.jsonl", "dev2.jsonl"] {
            guard let text = try? String(contentsOf: kit.appendingPathComponent(set), encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let q = o["question"] as? String else { continue }
                out.append((id: "\(set):\(o["id"] ?? "?")", question: q, session: (o["session"] as? String).map { "\(set):\($0)" }))
            }
        }
        return out
    }

    func testSameAnswersOnPostgresAsOnSQLite() throws {
        let s = try Self.stores()
        let resources = try Resources.load(root: Self.packageRoot)
        let lite = try Engine(path: s.sqlite, resources: resources, now: Self.now)
        let pg = try Engine(store: try PostgresStore.connect(s.pg), resources: resources, now: Self.now)
        XCTAssertTrue(pg.dialect is PostgresDialect)
        let r = compare(lite, pg, Self.allQuestions())
        XCTAssertEqual(r.diffs, [], "\(r.diffs.count) differences:\n" + r.diffs.prefix(15).joined(separator: "\n"))
        // Not vacuous: most questions reach the store and many return several rows.
        XCTAssertGreaterThanOrEqual(r.answered, Self.questions.count * 8 / 10, "answered \(r.answered) of \(r.total)")
        XCTAssertGreaterThanOrEqual(r.multiRow, 30)
        print("postgres parity: \(r.total) questions, \(r.answered) answered (\(r.multiRow) with several rows), \(r.diffs.count) differences")
    }

    func testTextTimeColumnsGiveTheSameAnswers() throws {
        let s = try Self.stores()
        let resources = try Resources.load(root: Self.packageRoot)
        let lite = try Engine(path: s.sqlite, resources: resources, now: Self.now)
        let pg = try Engine(store: try PostgresStore.connect(s.pgText), resources: resources, now: Self.now)
        let r = compare(lite, pg, Self.questions.enumerated().map { (id: "b\($0.offset)", question: $0.element, session: String?.none) })
        XCTAssertEqual(r.diffs, [], r.diffs.prefix(15).joined(separator: "\n"))
        XCTAssertGreaterThanOrEqual(r.answered, Self.questions.count * 8 / 10)
    }

    func testScopeOnPostgresAsOnSQLite() throws {
        let s = try Self.stores()
        let resources = try Resources.load(root: Self.packageRoot)
        let scope = Scope(level: .district, name: "西湖区")
        let lite = try Engine(path: s.sqlite, resources: resources, now: Self.now, scope: scope)
        let pg = try Engine(store: try PostgresStore.connect(s.pg), resources: resources, now: Self.now, scope: scope)
        let qs = ["上个月工单量", "今年拱墅区的投诉有多少", "今年各区工单量", "今年各街道的满意率", "列出昨天的紧急工单", "全市今年工单量"]
        let r = compare(lite, pg, qs.enumerated().map { (id: "s\($0.offset)", question: $0.element, session: String?.none) })
        XCTAssertEqual(r.diffs, [], r.diffs.joined(separator: "\n"))
        var conv = Conversation()
        let denied = pg.ask("今年拱墅区的投诉有多少", conversation: &conv)
        XCTAssertEqual(denied.status, .denied, denied.message ?? "")
    }

    func testCatalogLearnedFromPostgresMatchesSQLite() throws {
        let s = try Self.stores()
        let liteDB = try Database.openReadOnly(s.sqlite)
        liteDB.install(policy: .tickets)
        let pgStore = try PostgresStore.connect(s.pg)
        let a = try Catalog.learn(from: liteDB), b = try Catalog.learn(from: pgStore)
        XCTAssertEqual(a.total, 20_000)
        XCTAssertEqual(a.total, b.total)
        XCTAssertEqual(a.counts, b.counts)
        XCTAssertEqual(a.placeIndex.count, b.placeIndex.count)
        XCTAssertEqual(a.subcategoryParent, b.subcategoryParent)
        // The cache key is stable while the table is unchanged.
        let id1 = pgStore.catalogIdentity, id2 = pgStore.catalogIdentity
        XCTAssertNotNil(id1)
        XCTAssertEqual(id1, id2)
        XCTAssertFalse(id1?.contains("r3ad-only") ?? true)
    }

    struct Outcome { var total = 0, answered = 0, multiRow = 0, diffs: [String] = [] }

    func compare(_ lite: Engine, _ pg: Engine, _ qs: [(id: String, question: String, session: String?)]) -> Outcome {
        var o = Outcome()
        var convs: [String: (Conversation, Conversation)] = [:]
        for q in qs {
            var (c1, c2) = q.session.flatMap { convs[$0] } ?? (Conversation(), Conversation())
            let a = lite.ask(q.question, conversation: &c1, now: Self.now)
            let b = pg.ask(q.question, conversation: &c2, now: Self.now)
            if let s = q.session { convs[s] = (c1, c2) }
            o.total += 1
            if a.status != b.status {
                o.diffs.append("\(q.id) \(q.question): status \(a.status) vs \(b.status) \(b.message ?? "") \(b.sql ?? "")")
                continue
            }
            guard a.status == .answered else { continue }
            o.answered += 1
            if a.rows.count > 1 { o.multiRow += 1 }
            if a.columns != b.columns { o.diffs.append("\(q.id) \(q.question): columns \(a.columns) vs \(b.columns)"); continue }
            if a.rows.count != b.rows.count || a.truncated != b.truncated {
                o.diffs.append("\(q.id) \(q.question): \(a.rows.count) rows vs \(b.rows.count)\n  \(b.sql ?? "")")
                continue
            }
            for (i, (ra, rb)) in zip(a.rows, b.rows).enumerated() where !Self.same(ra, rb) {
                o.diffs.append("\(q.id) \(q.question): row \(i): \(ra) vs \(rb)\n  \(b.sql ?? "")")
                break
            }
        }
        return o
    }

    static func same(_ a: [DBValue], _ b: [DBValue]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (.null, .null): continue
            case (.text(let s), .text(let t)): if s != t { return false }
            default:
                guard let u = x.doubleValue, let v = y.doubleValue else { return false }
                if abs(u - v) > 1e-9 * max(1, abs(u), abs(v)) { return false }
            }
        }
        return true
    }
}
