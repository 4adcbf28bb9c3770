import XCTest
@testable import WenshuCore

/// Golden segmentations, in the manner of jieba's tests.
final class TokenizerTests: XCTestCase {
    func testGoldenSegmentations() throws {
        let parser = try Fixtures.engine().parser
        let cases: [(String, String)] = [
            ("上个月西湖区供水类投诉有多少件", "上个月/西湖区/供水/类/投诉/有多少/件"),
            ("近三十天北山那边反映了多少问题", "近/三十/天/北山/那边/反映了/多少/问题"),
            ("今年投诉量TOP10的问题类型（二级分类）", "今年/投诉量/top/10/的/问题类型/二级分类"),
            ("３月份拱墅区受理了多少工单", "3/月份/拱墅区/受理了/多少/工单"),
            ("上个月提到电梯的工单有多少", "上个月/电梯/的/工单/有多少"),
            ("包含\"工资\"的求助今年有多少", "工资/的/求助/今年/有多少"),
            ("2025-03-01到2025-03-31的投诉", "2025/年/3/月/1/日/到/2025/年/3/月/31/日/的/投诉"),
            ("城关镇二〇二五年的工单", "城关镇/二〇二五/年/的/工单"),
        ]
        for (q, want) in cases {
            XCTAssertEqual(parser.understand(q).segmentation, want, q)
        }
    }

    /// The one-pass fold is the same text as folding width, then String.lowercased(), for
    /// every scalar of the Basic Multilingual Plane (and a few beyond it).
    func testFoldedBytesMatchFoldWidthThenLowercased() {
        var mismatches: [UInt32] = []
        for v in Array(UInt32(0x20)...UInt32(0xFFFF)) + [0x10400, 0x1E900, 0x1F600, 0x20000] {
            guard let u = Unicode.Scalar(v) else { continue }
            let s = "A" + String(u) + "ｚ"
            if Normalizer.foldedBytes(s) != Array(Normalizer.foldWidth(s).lowercased().utf8) { mismatches.append(v) }
        }
        XCTAssertEqual(mismatches, [])
    }

    /// A pattern's "needs" words only rule out text the pattern cannot match: on every corpus
    /// question, and on each needed word placed in text, the matches are the same as without them.
    func testPatternNeedsNeverHideAMatch() throws {
        let tsv = try String(contentsOf: Fixtures.resources.root.appendingPathComponent("Grammars/patterns.tsv"), encoding: .utf8)
        var questions = try CorpusTests.lines("positive.tsv").map(\.0) + CorpusTests.lines("negative.tsv").map(\.0)
        var checked = 0
        for line in tsv.split(separator: "\n") where !line.hasPrefix("#") {
            let cols = line.split(separator: "\t").map(String.init)
            guard cols.count == 3 else { continue }
            let needs = cols[2].split(separator: " ").map(String.init)
            let plain = try Regex(cols[1]), filtered = try Regex(cols[1], needsAnyOf: needs)
            questions += needs.flatMap { ["上个月\($0)“漏水”的工单多少", "\($0)噪音", "\($0)了 烧烤 的投诉"] }
            for q in questions {
                let b = Normalizer.foldedBytes(q)
                XCTAssertEqual(plain.matches(in: b).map(\.range), filtered.matches(in: b).map(\.range), "\(cols[0]): \(q)")
                if !plain.matches(in: b).isEmpty { checked += 1 }
            }
        }
        XCTAssertGreaterThan(checked, 20)
    }

    /// The tokenizer decodes UTF-8 itself: its tokens spell the text back exactly, whatever
    /// the width of each character (1 to 4 bytes).
    func testTokensSpellTheTextBack() throws {
        let parser = try Fixtures.engine().parser
        let texts = ["上个月西湖区供水投诉", "café投诉12.5%", "😀上周🚀工单量", "Ωμέγα区工单", "𠀀𠀁街道", "a", "é", "12345", "十二月二十日", "x😀"]
        for t in texts {
            XCTAssertEqual(parser.tokenizer.tokenize(text: t).map(\.surface).joined(), t, t)
        }
    }

    /// The byte search agrees with a plain search on words at the start, middle and end,
    /// on words that are absent, empty, or longer than the text.
    func testByteSearchAgreesWithPlainSearch() {
        let texts = ["", "上个月西湖区提到电梯的投诉", "数据尚未结束。", "abcabd", "提"]
        let words = ["", "上个月", "电梯", "投诉", "尚未结束", "abd", "abcabdx", "提到", "到提", "区提", "x"]
        for t in texts {
            for w in words {
                let plain = w.isEmpty || Array(t.utf8).indices.contains { i in Array(t.utf8)[i...].starts(with: Array(w.utf8)) }
                XCTAssertEqual(ByteSearch.occurs(w, in: t), plain, "\(w) in \(t)")
            }
        }
    }

    /// Lexicon.fold returns text it judges already folded as it is: never wrongly.
    func testFoldShortcutMatchesFoldWidthThenLowercased() {
        var mismatches: [UInt32] = []
        for v in Array(UInt32(0x20)...UInt32(0xFFFF)) + [0x10400, 0x1E900, 0x20000] {
            guard let u = Unicode.Scalar(v) else { continue }
            for s in [String(u), "西湖" + String(u), "a" + String(u) + "区"] where Lexicon.fold(s) != Normalizer.foldWidth(s).lowercased() {
                mismatches.append(v)
            }
        }
        XCTAssertEqual(mismatches, [])
    }

    /// The trie's hash table: words found after it grew many times, and no word that was
    /// never put in.
    func testTrieFindsEveryWordAndNoOther() {
        var t = Trie()
        let words = (0..<5000).map { i in "词\(i)" + String(Unicode.Scalar(UInt32(0x4E00 + i % 2000))!) }
        for w in words { t.insert(w) }
        for w in words { XCTAssertEqual(t.node(of: w).map { t.terminal[$0] }, true, w) }
        XCTAssertNil(t.node(of: "不在其中"))
        XCTAssertEqual(t.node(of: "词1").map { t.terminal[$0] }, false, "a prefix is a node, not a word")
    }

    func testContentPhraseIsOneToken() throws {
        let parser = try Fixtures.engine().parser
        let t = parser.tokens("今年提到「外卖」的工单有多少")
        XCTAssertTrue(t.contains(Token(surface: "外卖", kind: .content)))
    }

    func testUnknownTextIsReportedNotDropped() throws {
        let u = try Fixtures.engine().parser.understand("上个月彧彧工单量")
        XCTAssertEqual(u.unknown, ["彧", "彧"])
    }

    func testChineseNumerals() {
        XCTAssertEqual(ChineseNumber.parse("三"), 3)
        XCTAssertEqual(ChineseNumber.parse("十二"), 12)
        XCTAssertEqual(ChineseNumber.parse("二十五"), 25)
        XCTAssertEqual(ChineseNumber.parse("一百零八"), 108)
        XCTAssertEqual(ChineseNumber.parse("二〇二五"), 2025)
        XCTAssertEqual(ChineseNumber.parse("两"), 2)
        XCTAssertEqual(ChineseNumber.parse("十"), 10)
        XCTAssertEqual(ChineseNumber.parse("一万二千"), 12000)
        XCTAssertNil(ChineseNumber.parse("三墩"))
    }

    func testDisplayWidth() {
        XCTAssertEqual(DisplayWidth.of("西湖区"), 6)
        XCTAssertEqual(DisplayWidth.of("ab12"), 4)
        XCTAssertEqual(DisplayWidth.pad("西湖区", to: 8), "西湖区  ")
        XCTAssertEqual(DisplayWidth.of(DisplayWidth.pad("杭州市水务集团有限公司", to: 9)), 9)
    }
}
