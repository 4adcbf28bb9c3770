import Foundation
import XCTest
@testable import WenshuCore

/// The demo generator: deterministic, contract-shaped, realistic where questions look.
final class SeederTests: XCTestCase {
    static let now = Now("2026-11-29 10:00:00")!

    static func generate(count: Int = 30000, seed: UInt64 = 7, city: String = "hangzhou") throws -> (String, Seeder) {
        let file = NSTemporaryDirectory() + "wenshu-seed-\(UUID().uuidString).db"
        let c = try CityFile.load(city, resources: Fixtures.packageRoot)
        let s = Seeder(city: c, options: .init(count: count, seed: seed, now: now))
        try s.write(to: file)
        return (file, s)
    }

    static let shared: (String, Seeder) = try! generate()

    func q(_ sql: String, _ path: String = shared.0) throws -> [[DBValue]] { try Fixtures.oracle(path, sql) }

    func testDeterministicAndExactCount() throws {
        let (a, _) = try SeederTests.generate(count: 5000, seed: 3)
        let (b, _) = try SeederTests.generate(count: 5000, seed: 3)
        let (c, _) = try SeederTests.generate(count: 5000, seed: 4)
        let all = "SELECT * FROM tickets ORDER BY id"
        XCTAssertEqual(try q(all, a), try q(all, b))
        XCTAssertNotEqual(try q(all, a), try q(all, c))
        XCTAssertEqual(try q("SELECT COUNT(*) FROM tickets", a), [[.integer(5000)]])
    }

    func testSchemaAndInvariants() throws {
        let db = try Database.openReadOnly(SeederTests.shared.0)
        XCTAssertNoThrow(try TicketSchema.validate(db))
        XCTAssertEqual(try q("SELECT COUNT(*) FROM tickets WHERE created_at >= '2026-11-29 10:00:00' OR closed_at > '2026-11-29 10:00:00'"), [[.integer(0)]])
        XCTAssertEqual(try q("SELECT COUNT(*) FROM tickets WHERE (status = '已办结') <> (closed_at IS NOT NULL)"), [[.integer(0)]])
        XCTAssertEqual(try q("SELECT COUNT(*) FROM tickets WHERE satisfaction IS NOT NULL AND status <> '已办结'"), [[.integer(0)]])
        XCTAssertEqual(try q("SELECT COUNT(*) FROM tickets WHERE district IS NULL AND (street IS NOT NULL OR community IS NOT NULL)"), [[.integer(0)]])
        XCTAssertEqual(try q("SELECT COUNT(DISTINCT id) = COUNT(*) FROM tickets"), [[.integer(1)]])
    }

    func testMissingFieldsAndRates() throws {
        let r = try q("SELECT AVG(district IS NULL), AVG(subcategory IS NULL), 1.0 * SUM(closed_at > due_at) / SUM(status = '已办结'), 1.0 * SUM(satisfaction IS NOT NULL) / SUM(status = '已办结') FROM tickets")[0].map { $0.doubleValue! }
        XCTAssertEqual(r[0], 0.04, accuracy: 0.01, "about 4% no district")
        XCTAssertEqual(r[1], 0.03, accuracy: 0.01, "about 3% no subcategory")
        XCTAssertEqual(r[2], 0.08, accuracy: 0.02, "about 8% overdue")
        XCTAssertEqual(r[3], 0.65, accuracy: 0.05, "about two thirds rated")
        let repeaters = try q("SELECT COUNT(*) FROM (SELECT caller FROM tickets GROUP BY caller HAVING COUNT(*) >= 5)")[0][0].doubleValue!
        XCTAssertGreaterThan(repeaters, 10)
    }

    func testSeasonality() throws {
        let jan = try q("SELECT COUNT(*) FROM tickets WHERE subcategory = '供暖' AND substr(created_at, 6, 2) = '01'")[0][0].doubleValue!
        let jul = try q("SELECT COUNT(*) FROM tickets WHERE subcategory = '供暖' AND substr(created_at, 6, 2) = '07'")[0][0].doubleValue!
        XCTAssertGreaterThan(jan, jul * 10, "heating complaints are a winter thing")
    }

    func testIncidentsShowAsSpikes() throws {
        for inc in SeederTests.shared.1.incidents {
            let start = inc.first.timestamp, end = inc.first.adding(days: inc.days).timestamp
            let during = try q("SELECT COUNT(*) FROM tickets WHERE street = '\(inc.street)' AND subcategory = '\(inc.subcategory)' AND created_at >= '\(start)' AND created_at < '\(end)'")[0][0].doubleValue!
            let before = try q("SELECT COUNT(*) FROM tickets WHERE street = '\(inc.street)' AND subcategory = '\(inc.subcategory)' AND created_at >= '\(inc.first.adding(days: -60).timestamp)' AND created_at < '\(start)'")[0][0].doubleValue!
            let perDayDuring = during / Double(inc.days), perDayBefore = before / 60
            XCTAssertGreaterThan(perDayDuring, max(1, perDayBefore * 5), "\(inc.street) \(inc.subcategory)")
        }
    }

    func testSpikeQuestionFindsTheInjectedIncident() throws {
        let inc = try XCTUnwrap(SeederTests.shared.1.incidents.first { $0.subcategory == "噪声扰民" })
        let e = try Engine(path: SeederTests.shared.0, resources: Fixtures.resources, now: SeederTests.now)
        var c = Conversation()
        let a = e.ask("本月哪个街道的噪声扰民突增", conversation: &c)
        XCTAssertEqual(a.status, .answered)
        XCTAssertEqual(a.rows.first?.first?.stringValue, inc.street, a.summary ?? "")
    }

    func testSecondCityAnswersItsOwnPlaces() throws {
        let (path, _) = try SeederTests.generate(count: 8000, seed: 2, city: "chengdu")
        let e = try Engine(path: path, resources: Fixtures.resources, now: SeederTests.now)
        var c = Conversation()
        let a = e.ask("今年武侯区投诉最多的前三个街道", conversation: &c)
        XCTAssertEqual(a.status, .answered)
        XCTAssertEqual(a.plan?.filter(.district), "武侯区")
        XCTAssertEqual(a.rows.count, 3)
        let b = e.ask("龙泉上个月工单量", conversation: &c)
        XCTAssertEqual(b.plan?.filter(.district), "龙泉驿区", "Lexicon alias 龙泉 → 龙泉驿区")
        let w = e.ask("上个月西湖区工单量", conversation: &c)
        XCTAssertEqual(w.status, .clarify, "no 西湖区 in this city")
    }
}
