import Foundation
import XCTest
@testable import WenshuCore

/// Contract §9.1: a question with a meaningful word nobody understood is never answered
/// with that word dropped. It gets `clarify`; the message quotes the unknown words; the
/// suggestions are complete questions built from close known words — each one answered
/// when asked — and never the engine's generic examples.
final class PrecisionTests: XCTestCase {
    static let engine: Engine = try! Fixtures.engine()

    /// (question, a word that must be inside the quoted unknown words)
    static let cases: [(String, String)] = [
        ("上个月西湖区的回退件有多少", "回退"),
        ("上个月拱墅区的重办件有多少", "重办"),
        ("上个月北山街道的延期件有几件", "延期"),
        ("今年米市巷的群租房投诉有多少", "群租"),
        ("上个月拱墅区的信访件有多少", "信访"),
        ("上个月西湖区的老旧小区投诉", "老旧"),
        ("今年西湖区外卖骑手的投诉有多少", "外卖"),
        ("上个月拱墅区的工单退回率是多少", "退回"),
        ("今年西湖区的网格员上报工单有多少", "网格员"),
        ("上个月西湖区的无效工单有多少", "无效"),
        ("本月西湖区的重点工单有几件", "重点"),
        ("今年各区的诉求化解率", "化解"),
        ("今年各街道的先行联系率", "先行联系"),
        ("上个月西湖区的夜间工单有多少", "夜间"),
        ("本月拱墅区的城管执法投诉", "执法"),
        ("上个月各区的工单签收时长", "签收"),
        ("上个月西湖区的企业诉求有多少", "企业"),
        ("今年拱墅区的营商环境投诉", "营商"),
        ("本月西溪那边的工单量", "西溪"),
        ("上个月拱墅区的回头客投诉", "回头客"),
        ("上个月北山街道的飞线充电投诉", "飞线"),
        ("今年淳安县的农家乐投诉有多少", "农家乐"),
        ("上个月拱墅区的快递投诉有多少", "快递"),
        ("上个月西湖区的养老咨询有多少", "养老"),
        ("上个月拱墅区的宠物扰民投诉", "宠物"),
        ("今年西湖区的烂尾楼投诉有多少", "烂尾楼"),
        ("今年拱墅区的拆迁补偿投诉", "拆迁"),
        ("上个月淳安县的民宿投诉有多少", "民宿"),
    ]

    func quoted(_ message: String) -> [String] {
        var out: [String] = []
        var cur: String?
        for ch in message {
            if ch == "“" { cur = "" } else if ch == "”" { if let c = cur { out.append(c) }; cur = nil } else if cur != nil { cur!.append(ch) }
        }
        return out
    }

    func testUnknownWordsAskBackWithAnswerableSuggestions() {
        let e = PrecisionTests.engine
        XCTAssertGreaterThanOrEqual(PrecisionTests.cases.count, 20)
        var failures: [String] = []
        for (q, word) in PrecisionTests.cases {
            var c = Conversation()
            let a = e.ask(q, conversation: &c, now: Fixtures.now)
            guard a.status == .clarify else {
                failures.append("\(q): want clarify, got \(a.status.rawValue) \(a.interpretation ?? a.message ?? "")")
                continue
            }
            XCTAssertNil(a.sql, q)
            let message = a.message ?? ""
            if !quoted(message).contains(where: { $0.contains(word) }) { failures.append("\(q): message does not quote “…\(word)…”: \(message)") }
            if a.suggestions.isEmpty { failures.append("\(q): no suggestions"); continue }
            if a.suggestions == e.examples || Set(a.suggestions).isSubset(of: Set(e.examples)) {
                failures.append("\(q): the suggestions are the generic examples")
            }
            for s in a.suggestions {
                var sc = Conversation()
                let b = e.ask(s, conversation: &sc, now: Fixtures.now)
                if b.status != .answered { failures.append("\(q): suggestion 「\(s)」 is \(b.status.rawValue): \(b.message ?? "")") }
            }
        }
        for f in failures { print("PRECISION-FAIL " + f) }
        XCTAssert(failures.isEmpty, "\(failures.count) precision failures (see PRECISION-FAIL lines)")
    }

    /// A reply of a suggestion's number answers that suggestion.
    func testPickingASuggestionByNumber() {
        let e = PrecisionTests.engine
        var c = Conversation()
        let a = e.ask("今年拱墅区那个率是多少", conversation: &c, now: Fixtures.now)
        XCTAssertEqual(a.status, .clarify)
        guard let first = a.suggestions.first else { return XCTFail("no suggestions") }
        let b = e.ask("1", conversation: &c, now: Fixtures.now)
        XCTAssertEqual(b.status, .answered)
        var fresh = Conversation()
        XCTAssertEqual(b.interpretation, e.ask(first, conversation: &fresh, now: Fixtures.now).interpretation)
    }

    /// Words that are now known are answered, not asked back (the issue's examples).
    func testWordsThatAreNowKnownAreAnswered() {
        let e = PrecisionTests.engine
        for (q, time) in [("今年中秋节期间工单量", "2026-09-25..2026-09-28"), ("前日全市共有多少件工单", "2026-11-27..2026-11-28"),
                          ("这礼拜的工单量", "2026-11-23..2026-11-30"), ("本日受理了多少", "2026-11-29..2026-11-30")] {
            var c = Conversation()
            let a = e.ask(q, conversation: &c, now: Fixtures.now)
            XCTAssertEqual(a.status, .answered, "\(q): \(a.message ?? "")")
            XCTAssertEqual(a.timeRange.map { "\($0.start.iso)..\($0.end.iso)" }, time, q)
        }
        var c = Conversation()
        let avg = e.ask("今年供水类工单平均多少天办完", conversation: &c, now: Fixtures.now)
        XCTAssertNotEqual(avg.plan?.measures, [.count], "平均…办完 is not a count: \(avg.interpretation ?? avg.message ?? "")")
    }

    /// 电话 is the channel only in its channel sense (§9.2).
    func testPhoneAsChannelAndAsPrivacy() {
        let e = PrecisionTests.engine
        var c = Conversation()
        let channel = e.ask("上个月打电话来的投诉有多少", conversation: &c, now: Fixtures.now)
        XCTAssertEqual(channel.status, .answered)
        XCTAssertEqual(channel.plan?.filter(.channel), "电话")
        XCTAssertEqual(channel.plan?.filter(.kind), "投诉")
        let person = e.ask("那个人电话是多少", conversation: &c, now: Fixtures.now)
        XCTAssertEqual(person.status, .denied, person.interpretation ?? "")
        XCTAssertNil(person.sql)
    }
}
