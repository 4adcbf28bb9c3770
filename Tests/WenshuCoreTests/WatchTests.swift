import Foundation
import XCTest
@testable import WenshuCore

/// 未诉先办: the detector on real seeded stores, its minimum counts and deduplication,
/// masking, and the `wenshu watch` command.
final class WatchTests: XCTestCase {
    static let now = Now("2026-11-29 10:00:00")!

    /// A Swift-seeded store (成都) with the seeder's planted incidents as ground truth.
    static let seeded: (String, Seeder) = {
        let file = NSTemporaryDirectory() + "wenshu-watch-\(UUID().uuidString).db"
        let city = try! CityFile.load("chengdu", resources: Fixtures.packageRoot)
        let s = Seeder(city: city, options: .init(count: 40000, seed: 11, now: now))
        try! s.write(to: file)
        return (file, s)
    }()

    func testMasksPersonalNumbersOnly() {
        XCTAssertEqual(Masking.mask("我电话13812345678，请回电。"), "我电话138****5678，请回电。")
        XCTAssertEqual(Masking.mask("联系电话0571-87654367。"), "联系电话0571-8*****67。")
        XCTAssertEqual(Masking.mask("身份证330106199001011234"), "身份证330106********1234")
        XCTAssertEqual(Masking.mask("身份证33010619900101123X号"), "身份证330106********123X号")
        XCTAssertEqual(Masking.mask("2026年11月3日起停水3天，18栋302室"), "2026年11月3日起停水3天，18栋302室")
        XCTAssertEqual(Masking.mask(""), "")
    }

    func testNegativeBinomialTailMatchesClosedForms() {
        // P(X ≥ 1) = 1 − (rate / (rate + exposure))^shape.
        let p1 = UpperTail.negativeBinomial(atLeast: 1, shape: 2.5, rate: 40, exposure: 10)
        XCTAssertEqual(p1, 1 - pow(40.0 / 50.0, 2.5), accuracy: 1e-12)
        // With a huge shape the count is Poisson(mean): P(X ≥ 3 | 0.5) = 1 − e^−0.5 (1 + 0.5 + 0.125).
        let pois = UpperTail.negativeBinomial(atLeast: 3, shape: 1e7, rate: 1e7, exposure: 0.5)
        XCTAssertEqual(pois, 1 - exp(-0.5) * 1.625, accuracy: 1e-6)
        // Far tails keep their precision instead of rounding to zero.
        let tiny = UpperTail.negativeBinomial(atLeast: 30, shape: 1e7, rate: 1e7, exposure: 0.5)
        XCTAssertGreaterThan(tiny, 0)
        XCTAssertLessThan(tiny, 1e-35)
    }

    /// One street's 供水 series on top of a steady city: `spikes` maps day index → tickets.
    func counts(spikes: [Int: Int], days: Int = 120) -> DailyCounts {
        var rows: [(day: Day, district: String?, street: String?, community: String?, subcategory: String?, count: Int)] = []
        let first = Day(2026, 1, 1)
        for d in 0..<days {
            let day = first.adding(days: d)
            rows.append((day, "西湖区", "北山街道", "宝石社区", "供水", spikes[d] ?? (d % 10 == 0 ? 1 : 0)))
            rows.append((day, "西湖区", "北山街道", "宝石社区", "噪声扰民", 2))
            rows.append((day, "西湖区", "西湖街道", "龙井社区", "供水", 10))
            rows.append((day, "上城区", "湖滨街道", "东坡路社区", "供水", 10))
            rows.append((day, "上城区", "湖滨街道", "东坡路社区", "噪声扰民", 30))
        }
        return DailyCounts(firstDay: first, dayCount: days, rows: rows)
    }

    func testOneToThreeIsNotAnAlarmButABurstIsOneWarning() {
        let detector = Detector()
        let quiet = detector.episodes(counts(spikes: [90: 3]), from: 0, to: 119)
        XCTAssertTrue(quiet.isEmpty, "3 tickets where 0.1 a day is usual stay below the minimum: \(quiet)")
        let burst = detector.episodes(counts(spikes: [90: 9, 91: 9, 92: 7, 93: 5]), from: 0, to: 119)
        let streets = burst.filter { $0.place.community == nil }
        XCTAssertEqual(streets.count, 1, "one incident over four days is one episode: \(burst)")
        XCTAssertEqual(streets.first?.firstDay, Day(2026, 1, 1).adding(days: 90))
        // A 3-day window still holds the burst for two days after its last ticket.
        XCTAssertTrue((93...95).contains((streets.first?.lastDay.ordinal ?? 0) - Day(2026, 1, 1).ordinal))
        XCTAssertEqual(streets.first?.count, 30)
        XCTAssertLessThan(streets.first?.expected ?? 99, 2)
        let merged = WarningMerger.merge(burst, communityShare: 0.6, maxGap: 3)
        XCTAssertEqual(merged.count, 1, "street and community episodes of one incident merge")
        XCTAssertEqual(merged.first?.community, "宝石社区", "all of it in one community: reported there")
        XCTAssertEqual(merged.first?.subcategory, "供水")
    }

    func testFindsSeededIncidentsWithinTwoDays() throws {
        let (path, seeder) = WatchTests.seeded
        let db = try Watch.open(path: path)
        let span = WatchTests.now.day.ordinal - seeder.incidents.map(\.first.ordinal).min()! + 10
        let report = try Watch.warnings(db: db, now: WatchTests.now, days: span, examples: 0)
        var found = 0, early = 0, judged = 0
        for inc in seeder.incidents where inc.first >= report.evaluableFrom {
            judged += 1
            let hits = report.warnings.filter {
                $0.street == inc.street && $0.subcategory == inc.subcategory
                    && $0.firstDay.ordinal <= inc.first.ordinal + inc.days + 1 && $0.lastDay >= inc.first
            }
            guard let first = hits.map(\.firstDay).min() else { continue }
            found += 1
            if first.ordinal - inc.first.ordinal <= 2 { early += 1 }
        }
        XCTAssertGreaterThanOrEqual(judged, 5)
        // Floors: every planted incident of the demo seeder is ≥ 4 tickets a day in one street.
        XCTAssertEqual(found, judged, "all planted incidents found")
        XCTAssertGreaterThanOrEqual(Double(early), 0.8 * Double(judged), "first warning within two days of the start")
        let unmatched = report.warnings.filter { w in
            !seeder.incidents.contains { $0.street == w.street && $0.subcategory == w.subcategory }
        }
        XCTAssertLessThanOrEqual(unmatched.count, 3, "few false alarms over two years: \(unmatched.map { "\($0.place.name)\($0.subcategory)\($0.firstDay.iso)" })")
    }

    func testQuietStoreHasAlmostNoWarnings() throws {
        // Under 60 days the seeder plants no incident.
        let file = NSTemporaryDirectory() + "wenshu-watch-quiet-\(UUID().uuidString).db"
        let city = try CityFile.load("hangzhou", resources: Fixtures.packageRoot)
        let s = Seeder(city: city, options: .init(count: 20000, seed: 5, now: WatchTests.now, start: WatchTests.now.day.adding(days: -55)))
        XCTAssertTrue(s.incidents.isEmpty)
        try s.write(to: file)
        let report = try Watch.warnings(db: try Watch.open(path: file), now: WatchTests.now, days: 56, examples: 0)
        XCTAssertLessThanOrEqual(report.warnings.count, 1, "\(report.warnings)")
    }

    /// The evaluation kit's generator with small local incidents, when it is beside the checkout.
    func testFindsSmallIncidentsOfTheEvaluationGenerator() throws {
        let gen = Fixtures.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/eval/gen_tickets.py").path
        guard FileManager.default.fileExists(atPath: gen) else { throw XCTSkip("evaluation kit not found") }
        let out = NSTemporaryDirectory() + "wenshu-watch-gen-\(UUID().uuidString).db"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", gen, "--city", Fixtures.packageRoot.appendingPathComponent("Lexicon/cities/hangzhou.json").path,
                       "--seed", "4", "--start", "2025-06-01", "--now", WatchTests.now.timestamp, "--count", "60000",
                       "--small-incidents", "12", "--out", out]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let report = try Watch.warnings(db: try Watch.open(path: out), now: WatchTests.now, days: 600, examples: 0)
        let incidents = try WatchScore.loadIncidents(path: out + ".incidents.json")
        let r = WatchScore.score(warnings: report.warnings, incidents: incidents, from: report.evaluableFrom, to: WatchTests.now.day)
        XCTAssertGreaterThanOrEqual(r.incidents, 10)
        // Floors below the measured figures (README): recall ≥ 85%, precision ≥ 80%, ≥ 75% within two days.
        XCTAssertGreaterThanOrEqual(r.recall, 0.85, "missed \(r.missed)")
        XCTAssertGreaterThanOrEqual(r.precision, 0.8, "false \(r.falseWarnings.map { "\($0.place.name)\($0.subcategory)\($0.firstDay.iso)" })")
        XCTAssertGreaterThanOrEqual(Double(r.within2Days), 0.75 * Double(r.incidents))
    }

    func testScopeLimitsTheList() throws {
        let (path, seeder) = WatchTests.seeded
        let db = try Watch.open(path: path)
        let span = WatchTests.now.day.ordinal - seeder.incidents.map(\.first.ordinal).min()! + 10
        let all = try Watch.warnings(db: db, now: WatchTests.now, days: span, examples: 0)
        guard let district = all.warnings.first?.district else { return XCTFail("no warning to scope") }
        let scoped = try Watch.warnings(db: db, now: WatchTests.now, days: span, scope: Watch.Scope(district: district), examples: 0)
        XCTAssertFalse(scoped.warnings.isEmpty)
        XCTAssertTrue(scoped.warnings.allSatisfy { $0.district == district })
        XCTAssertEqual(scoped.warnings.count, all.warnings.filter { $0.district == district }.count)
        XCTAssertEqual(scoped.rows.count, scoped.warnings.count)
        XCTAssertEqual(scoped.columns.count, scoped.rows.first?.count)
    }

    func testWatchCommandJSONAndTable() throws {
        let (path, seeder) = WatchTests.seeded
        let inc = seeder.incidents.first { $0.subcategory == "噪声扰民" }!
        // The day after the noise incident began, as the morning list.
        let now = "\(inc.first.adding(days: 1).iso) 08:00:00"
        let (code, out, err) = try Fixtures.runWenshu(["watch", "--db", path, "--now", now, "--format", "json"])
        XCTAssertEqual(code, 0, err)
        let list = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]] ?? []
        let hit = list.first { $0["street"] as? String == inc.street && $0["subcategory"] as? String == "噪声扰民" }
        XCTAssertNotNil(hit, out)
        for key in ["district", "street", "community", "subcategory", "first_day", "last_day", "count", "expected", "question"] {
            XCTAssertNotNil(hit?[key], key)
        }
        XCTAssertEqual(hit?["question"] as? String, "\((hit?["community"] as? String) ?? inc.street)近7天噪声扰民类工单趋势")
        XCTAssertGreaterThan((hit?["count"] as? Int) ?? 0, 4 * Int((hit?["expected"] as? Double) ?? 99))
        let examples = hit?["examples"] as? [[String: Any]] ?? []
        XCTAssertFalse(examples.isEmpty)
        XCTAssertFalse(examples.contains { ($0["content"] as? String ?? "").range(of: "1[3-9][0-9]{9}", options: .regularExpression) != nil })

        let (code2, text, _) = try Fixtures.runWenshu(["watch", "--db", path, "--now", now])
        XCTAssertEqual(code2, 0)
        XCTAssertTrue(text.hasPrefix("【预警】"), text)
        XCTAssertTrue(text.contains(inc.street) || text.contains("噪声扰民"), text)

        let (bad, _, badErr) = try Fixtures.runWenshu(["watch", "--db", path, "--days", "999999999999"])
        XCTAssertNotEqual(bad, 0)
        XCTAssertTrue(badErr.contains("--days"), badErr)
    }
}
