import XCTest
@testable import WenshuCore

/// Contract section 5, with `now` pinned to 2026-11-29 10:00 (a Sunday).
final class TimeTests: XCTestCase {
    func range(_ q: String, now: Now = Fixtures.now) throws -> String? {
        let e = try Fixtures.engine()
        let (_, reading) = e.read(q + "工单量", conversation: nil, now: now)
        guard case .plan(let p, _) = reading else { return "not a plan" }
        return p.time.map { "\($0.start.iso)..\($0.end.iso)" }
    }

    func testRelativeDaysWeeksMonths() throws {
        let cases: [(String, String?)] = [
            ("今天", "2026-11-29..2026-11-30"), ("昨天", "2026-11-28..2026-11-29"),
            ("前天", "2026-11-27..2026-11-28"), ("大前天", "2026-11-26..2026-11-27"),
            ("本周", "2026-11-23..2026-11-30"), ("上周", "2026-11-16..2026-11-23"), ("上上周", "2026-11-09..2026-11-16"),
            ("周三", "2026-11-25..2026-11-26"), ("星期日", "2026-11-29..2026-11-30"), ("上周三", "2026-11-18..2026-11-19"),
            ("本月", "2026-11-01..2026-12-01"), ("上个月", "2026-10-01..2026-11-01"), ("上上个月", "2026-09-01..2026-10-01"),
            ("本季度", "2026-10-01..2027-01-01"), ("上季度", "2026-07-01..2026-10-01"),
            ("一季度", "2026-01-01..2026-04-01"), ("第三季度", "2026-07-01..2026-10-01"), ("q4", "2026-10-01..2027-01-01"),
            ("今年", "2026-01-01..2027-01-01"), ("去年", "2025-01-01..2026-01-01"), ("前年", "2024-01-01..2025-01-01"),
            ("2025年", "2025-01-01..2026-01-01"), ("上半年", "2026-01-01..2026-07-01"), ("2025年下半年", "2025-07-01..2026-01-01"),
            ("近3年", "2024-01-01..2027-01-01"), ("10月", "2026-10-01..2026-11-01"), ("12月份", "2025-12-01..2026-01-01"),
            ("十一月", "2026-11-01..2026-12-01"), ("11月5号", "2026-11-05..2026-11-06"), ("12月25日", "2025-12-25..2025-12-26"),
            ("2025年3月1日", "2025-03-01..2025-03-02"), ("2025-03-01", "2025-03-01..2025-03-02"),
            ("近30天", "2026-10-31..2026-11-30"), ("最近7天", "2026-11-23..2026-11-30"), ("过去三十天", "2026-10-31..2026-11-30"),
            ("近一周", "2026-11-23..2026-11-30"), ("近3个月", "2026-09-01..2026-12-01"), ("最近六个月", "2026-06-01..2026-12-01"),
            ("今年以来", "2026-01-01..2026-11-30"), ("年初至今", "2026-01-01..2026-11-30"),
            ("从9月到10月", "2026-09-01..2026-11-01"), ("2025年3月至2025年5月", "2025-03-01..2025-06-01"),
            ("国庆期间", "2026-10-01..2026-10-08"), ("去年国庆", "2025-10-01..2025-10-08"), ("今年春节期间", "2026-02-15..2026-02-24"),
            ("2025年春节", "2025-01-28..2025-02-05"), ("元旦", "2026-01-01..2026-01-02"), ("2025年一季度", "2025-01-01..2025-04-01"),
            ("本月上旬", "2026-11-01..2026-11-11"), ("十月下旬", "2026-10-21..2026-11-01"), ("2月中旬", "2026-02-11..2026-02-21"),
            ("上周末", "2026-11-21..2026-11-23"), ("近半年", "2026-06-01..2026-12-01"), ("24年", "2024-01-01..2025-01-01"),
            ("这两天", "2026-11-28..2026-11-30"), ("本周三", "2026-11-25..2026-11-26"),
            ("2025年3月到5月", "2025-03-01..2025-06-01"), ("今年1-10月", "2026-01-01..2026-11-01"), ("今年截至目前", "2026-01-01..2026-11-30"),
            ("3月5日到3月8日", "2026-03-05..2026-03-09"),
        ]
        for (q, want) in cases { XCTAssertEqual(try range(q), want, q) }
    }

    func testNoTimeWordsMeansNoFilter() throws {
        XCTAssertNil(try range("西湖区"))
        XCTAssertNil(try range("目前"))
    }

    func testYearlessHolidayIsLatestBegun() throws {
        // Before 1 October, 国庆 is last year's.
        let early = Now("2026-09-15 08:00:00")!
        XCTAssertEqual(try range("国庆", now: early), "2025-10-01..2025-10-08")
        // 春节 before this year's holiday has begun → last year's.
        let jan = Now("2026-01-20 08:00:00")!
        XCTAssertEqual(try range("春节", now: jan), "2025-01-28..2025-02-05")
    }

    func testInvalidDatesAsk() throws {
        let e = try Fixtures.engine()
        guard case .clarify = e.read("2月30日工单量", conversation: nil, now: Fixtures.now).1 else { return XCTFail("2月30日 should clarify") }
        guard case .clarify = e.read("13月工单量", conversation: nil, now: Fixtures.now).1 else {
            // 13月 never builds a time: the number is left unexplained instead.
            return
        }
    }

    func testDayArithmetic() {
        XCTAssertEqual(Day(2026, 11, 29).weekday, 7)
        XCTAssertEqual(Day(2026, 11, 23).weekday, 1)
        XCTAssertEqual(Day(2024, 3, 31).adding(months: -1), Day(2024, 2, 29))
        XCTAssertEqual(Day(ordinal: Day(2000, 2, 29).ordinal), Day(2000, 2, 29))
        XCTAssertEqual(TimeRange(Day(2026, 10, 1), Day(2026, 11, 1)).previousPeriod, TimeRange(Day(2026, 9, 1), Day(2026, 10, 1)))
        XCTAssertEqual(TimeRange(Day(2026, 11, 23), Day(2026, 11, 30)).previousPeriod, TimeRange(Day(2026, 11, 16), Day(2026, 11, 23)))
        XCTAssertEqual(TimeRange(Day(2026, 1, 1), Day(2026, 11, 30)).sameLastYear, TimeRange(Day(2025, 1, 1), Day(2025, 11, 30)))
        XCTAssertNil(Now("2026-13-01 00:00:00"))
        XCTAssertNil(Now("yesterday"))
        XCTAssertEqual(Now("2026-11-29")?.timestamp, "2026-11-29 00:00:00")
    }

    func testNowIsParsedWithBounds() {
        for bad in ["2026-11-29 -1:-1", "2026-11-29 +5:00", "2026-02-30", "2026-11-29 24:00:00", "-2026-11-29", "2026-1a-29", "99999-01-01"] {
            XCTAssertNil(Now(bad), bad)
        }
        XCTAssertEqual(Now("2026-11-29 08:30")?.timestamp, "2026-11-29 08:30:00")
        XCTAssertEqual(Now("2026-11-29")?.timestamp, "2026-11-29 00:00:00")
    }
}
