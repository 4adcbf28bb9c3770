import Foundation
import XCTest
@testable import WenshuCore
@testable import WenshuServer
#if canImport(Glibc)
import Glibc
#endif

/// Generative fuzzing of everything a stranger's text reaches: the whole question pipeline
/// (normalize → tokenize → grammar → plan → SQL → guarded execution, through `Engine.ask` on
/// a small seeded store) and the bot payload parsers. Deterministic: a seed and a count
/// reproduce a run. `FUZZ_QUESTIONS` (default 3,000: a few seconds) and `FUZZ_SEED` set the
/// size; `scripts/fuzz` runs a million. Checked for every question: no crash, and every
/// statement is one parameterised SELECT with no question text in it and as many `?` as
/// parameters. On a crash the input being processed is written to stderr by a signal handler.
final class FuzzTests: XCTestCase {
    static var questionCount: Int { Int(ProcessInfo.processInfo.environment["FUZZ_QUESTIONS"] ?? "") ?? 3000 }
    static var payloadCount: Int { Int(ProcessInfo.processInfo.environment["FUZZ_PAYLOADS"] ?? "") ?? 3000 }
    static var seed: UInt64 { UInt64(ProcessInfo.processInfo.environment["FUZZ_SEED"] ?? "") ?? 15 }

    /// A small store: the statements are what is checked, not the data.
    static let store: String = {
        let file = NSTemporaryDirectory() + "wenshu-fuzz-\(UUID().uuidString).db"
        let city = try! CityFile.load("hangzhou", resources: ServerTests.root)
        try! Seeder(city: city, options: .init(count: 400, seed: 3, now: ServerTests.now)).write(to: file)
        return file
    }()

    func testQuestionPipeline() throws {
        CrashNote.install()
        let engine = try Engine(path: FuzzTests.store, resources: ServerTests.resources, now: ServerTests.now)
        var gen = QuestionGenerator(seed: FuzzTests.seed, root: ServerTests.root, catalog: engine.catalog)
        let total = FuzzTests.questionCount
        var stats = FuzzStats()
        var conv = Conversation()
        let scopes: [Scope?] = [nil, Scope(level: .district, name: engine.catalog.values(.district).first ?? "西湖区")]
        let started = Date()
        for i in 0..<total {
            let q = gen.next()
            CrashNote.set("question #\(i) seed \(FuzzTests.seed): " + q)
            if i % 7 == 0 { conv = Conversation() }   // short conversations: follow-ups are fuzzed too
            let a = engine.ask(q, conversation: &conv, now: ServerTests.now, scope: .some(scopes[i % 2]))
            stats.count(a)
            if let sql = a.sql, let problem = StatementCheck.problem(sql: sql, params: a.params, question: q) {
                stats.bad.append("\(problem): 「\(q)」 → \(sql)")
            }
        }
        CrashNote.set("")
        let secs = Date().timeIntervalSince(started)
        print("fuzz questions: \(total) generated, 0 crashes, \(stats.bad.count) bad statements, \(stats.errors.count) store errors; "
              + "statuses \(stats.statuses.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")); "
              + String(format: "%.1f s, %.0f questions/s", secs, Double(total) / max(secs, 0.001)))
        XCTAssertEqual(stats.bad, [], "statements that are not a single parameterised SELECT")
        XCTAssertEqual(stats.errors, [], "compiled statements the store refused")
    }

    func testBotPayloadParsers() throws {
        CrashNote.install()
        var rng = SeedRandom(FuzzTests.seed &+ 1)
        let crypto = try WeComCrypto(token: "QDG6eK", encodingAESKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", corpID: "wx5823bf96d3bd56c7")
        let seeds: [String] = [
            #"{"msgtype":"text","text":{"content":"上个月工单量"},"msgId":"m","conversationId":"c","senderStaffId":"u"}"#,
            #"{"schema":"2.0","header":{"event_id":"e","event_type":"im.message.receive_v1","token":"t"},"event":{"sender":{"sender_id":{"open_id":"ou"}},"message":{"message_id":"om","chat_id":"oc","message_type":"text","content":"{\"text\":\"hi\"}"}}}"#,
            "<xml><ToUserName><![CDATA[ww]]></ToUserName><FromUserName><![CDATA[u]]></FromUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[上个月]]></Content><MsgId>1</MsgId></xml>",
            #"{"type":"url_verification","token":"t","challenge":"c"}"#,
        ]
        var roundTrips = 0
        for i in 0..<FuzzTests.payloadCount {
            let base = Array(seeds[i % seeds.count].utf8)
            let bytes = Mutator.mutateBytes(base, rng: &rng)
            let data = Data(bytes)
            CrashNote.set("payload #\(i): " + data.base64EncodedString())
            _ = DingTalkBot.message(data)
            if let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] { _ = FeishuBot.message(obj) }
            _ = XMLFields.parse(data)
            let text = String(decoding: data, as: UTF8.self)
            _ = BotText.stripMentions(text)
            _ = try? FeishuBot.decrypt(data.base64EncodedString(), encryptKey: "k")
            _ = try? FeishuBot.decrypt(text, encryptKey: "k")
            _ = try? crypto.decrypt(data.base64EncodedString())
            _ = try? crypto.decrypt(text)
            _ = SignedTimestamp.seconds(text, milliseconds: i % 2 == 0)
            _ = try? RequestFields.now(text)
            // What we encrypt we can decrypt, whatever the message.
            if let enc = try? crypto.encrypt(text), let back = try? crypto.decrypt(enc) {
                XCTAssertEqual(back, text)
                roundTrips += 1
            }
        }
        CrashNote.set("")
        print("fuzz payloads: \(FuzzTests.payloadCount) generated, 0 crashes, \(roundTrips) WeCom round trips")
    }
}

struct FuzzStats {
    var statuses: [String: Int] = [:]
    var bad: [String] = []
    var errors: [String] = []

    mutating func count(_ a: Answer) {
        statuses[a.status.rawValue, default: 0] += 1
        if a.status == .error, errors.count < 20 { errors.append("「\(a.question)」: \(a.message ?? "") — \(a.sql ?? "")") }
    }
}

/// What makes a statement acceptable: one SELECT (or WITH … SELECT), placeholders for every
/// value, no question text inside it, and only the compiler's own short ASCII literals.
enum StatementCheck {
    static func problem(sql: String, params: [DBValue], question: String) -> String? {
        var outside = ""       // the SQL with string literals removed
        var literals: [String] = []
        var inLiteral = false, current = ""
        var chars = Array(sql)[...]
        while let c = chars.popFirst() {
            if inLiteral {
                if c == "'" {
                    if chars.first == "'" { current.append("'"); chars = chars.dropFirst(); continue }
                    inLiteral = false
                    literals.append(current)
                    current = ""
                } else { current.append(c) }
            } else if c == "'" {
                inLiteral = true
            } else { outside.append(c) }
        }
        if inLiteral { return "unterminated literal" }
        let head = outside.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        guard head.hasPrefix("SELECT") || head.hasPrefix("WITH") else { return "not a SELECT" }
        if outside.contains(";") { return "more than one statement" }
        if outside.contains("--") || outside.contains("/*") { return "comment in statement" }
        if !outside.unicodeScalars.allSatisfy({ $0.isASCII }) { return "non-ASCII text outside literals (question text?)" }
        let placeholders = outside.filter { $0 == "?" }.count
        if placeholders != params.count { return "\(placeholders) placeholders for \(params.count) parameters" }
        // Literals are the compiler's own (date formats, an escape character): short, ASCII,
        // and never a piece of the question.
        for l in literals {
            guard l.count <= 20, l.unicodeScalars.allSatisfy({ $0.isASCII }) else { return "literal '\(l)' is not a fixed format" }
            if l.count >= 3, question.contains(l) { return "question text '\(l)' inside a literal" }
        }
        let lower = sql.lowercased()
        for canary in ["drop ", "attach", "sqlite_master", "1=1", "union select", "$1", ":name"] where lower.contains(canary) {
            return "hostile text '\(canary)' in the statement"
        }
        return nil
    }
}

/// Questions built from the corpora, the lexicon, the store's own values and hostile
/// fragments (huge numbers, SQL, control and combining characters), then mutated.
struct QuestionGenerator {
    var rng: SeedRandom
    let corpus: [String]
    let words: [String]
    static let numbers = [
        "0", "1", "3", "10", "12", "31", "99", "100", "2026", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "18446744073709551616", "99999999999999999999999999", "1e308", "-1", "3.5", "０", "１２", "007",
        "一", "二", "十", "十二", "九十九", "一百", "一千零一", "两万", "九九九九九九九九九九九九九九九九九九九", "一万亿", "亿亿亿",
        "万万万万万万", "零", "〇", "半", "第一", "前三", "两",
    ]
    static let hostile = [
        "'; DROP TABLE tickets; --", "\" OR 1=1 --", "%", "_", "\\", "'", "''", "?", "?1", ":name", "$1", "/*", "*/", ";",
        "SELECT * FROM sqlite_master", "ATTACH DATABASE 'x' AS y", "union select", "\u{0}", "\u{7}", "\n", "\r\n", "\t", "\u{200B}",
        "\u{FEFF}", "\u{202E}", "e\u{301}", "👍🏽", "𠮷", "\u{FFFD}", "ａｂｃ", "（", "）", "【", "】", "……", "？？", "！", "，", "。",
        "近", "前", "第", "超过", "以上", "以下", "到", "至", "和", "比", "呢", "那", "只看", "按", "各", "每", "年", "月", "日", "天", "周", "季度",
        "名", "个", "件", "次", "%", "％", "排名", "趋势", "占比", "同比", "环比", "上上上上个月", "去去年",
    ]

    init(seed: UInt64, root: URL, catalog: Catalog) {
        rng = SeedRandom(seed)
        var corpus: [String] = []
        for f in ["positive.tsv", "negative.tsv"] {
            let text = (try? String(contentsOf: root.appendingPathComponent("Tests/WenshuCoreTests/Corpus/\(f)"), encoding: .utf8)) ?? ""
            corpus += text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: "\t").first.map(String.init) }
        }
        if corpus.isEmpty { corpus = ["上个月西湖区供水类投诉有多少件", "今年每个月的满意率", "近30天哪个部门承办的工单最多"] }
        self.corpus = corpus
        var words: [String] = []
        let lexicon = root.appendingPathComponent("Lexicon")
        for f in (try? FileManager.default.contentsOfDirectory(atPath: lexicon.path)) ?? [] where f.hasSuffix(".tsv") {
            let text = (try? String(contentsOf: lexicon.appendingPathComponent(f), encoding: .utf8)) ?? ""
            words += text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: "\t").first.map(String.init) }
        }
        for d in [Dimension.district, .street, .community, .subcategory, .category, .department, .channel, .kind] { words += catalog.values(d) }
        self.words = words
    }

    mutating func fragment() -> String {
        switch rng.int(10) {
        case 0, 1, 2: return rng.pick(words)
        case 3, 4: return rng.pick(QuestionGenerator.numbers)
        case 5: return rng.pick(QuestionGenerator.hostile)
        case 6: return String(rng.pick(corpus).prefix(rng.int(12) + 1))
        case 7: return String(Int64(bitPattern: rng.next()) >> rng.int(64))
        case 8: return String(String.UnicodeScalarView((0..<(rng.int(3) + 1)).compactMap { _ in Unicode.Scalar(UInt32(rng.int(0x3_0000))) }))
        default: return rng.pick(corpus)
        }
    }

    mutating func next() -> String {
        var q: String
        switch rng.int(4) {
        case 0: q = (0..<(rng.int(6) + 1)).map { _ in fragment() }.joined()
        default: q = rng.pick(corpus)
        }
        for _ in 0..<rng.int(4) { q = mutate(q) }
        return q
    }

    mutating func mutate(_ q: String) -> String {
        var chars = Array(q)
        let at = rng.int(chars.count + 1)
        switch rng.int(6) {
        case 0: chars.insert(contentsOf: Array(fragment()), at: at)
        case 1 where !chars.isEmpty: chars.removeSubrange(at..<min(chars.count, at + rng.int(4) + 1))
        case 2:
            // Replace a run of digits (or a numeral) with another number.
            if let i = chars.firstIndex(where: { $0.isNumber }) {
                var j = i
                while j < chars.count, chars[j].isNumber { j += 1 }
                chars.replaceSubrange(i..<j, with: Array(rng.pick(QuestionGenerator.numbers)))
            } else { chars.insert(contentsOf: Array(rng.pick(QuestionGenerator.numbers)), at: at) }
        case 3 where chars.count > 1:
            let len = rng.int(min(8, chars.count)) + 1
            let start = rng.int(chars.count - len + 1)
            chars.insert(contentsOf: chars[start..<(start + len)], at: at)
        case 4: chars.insert(contentsOf: Array(rng.pick(QuestionGenerator.hostile)), at: at)
        default: chars.shuffle(using: &rng)
        }
        return String(chars.prefix(260))
    }
}

extension SeedRandom: RandomNumberGenerator {}

enum Mutator {
    static func mutateBytes(_ base: [UInt8], rng: inout SeedRandom) -> [UInt8] {
        var b = base
        for _ in 0..<(rng.int(6) + 1) {
            let at = rng.int(b.count + 1)
            switch rng.int(6) {
            case 0 where at < b.count: b[at] = UInt8(truncatingIfNeeded: rng.next())
            case 1 where at < b.count: b.removeSubrange(at..<min(b.count, at + rng.int(16) + 1))
            case 2: b.insert(contentsOf: (0..<(rng.int(8) + 1)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            case 3: b.insert(contentsOf: Array(rng.pick(["{", "}", "[", "]", "\"", ":", ",", "null", "1e999", "-0", "<", ">", "<![CDATA[", "]]>", "&#0;", "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>", "\\u0000", "\\ud800"]).utf8), at: at)
            case 4 where b.count > 2: b = Array(b.prefix(at))
            default: b.insert(contentsOf: b.prefix(rng.int(64)), at: at)
            }
        }
        return Array(b.prefix(1 << 14))
    }
}

/// The input being processed, kept in a fixed buffer a signal handler can write out: a trap
/// (SIGILL/SIGTRAP) or a segfault then names the input that caused it.
enum CrashNote {
    nonisolated(unsafe) static let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 8192)
    nonisolated(unsafe) static var length = 0
    nonisolated(unsafe) static var installed = false

    static func set(_ s: String) {
        var n = 0
        for byte in s.utf8.prefix(8000) { buffer[n] = byte; n += 1 }
        length = n
    }

    static func install() {
        guard !installed else { return }
        installed = true
        for sig in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE] {
            signal(sig) { s in
                let prefix = Array("\nFUZZ CRASH on input: ".utf8)
                _ = prefix.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count) }
                _ = write(2, CrashNote.buffer, CrashNote.length)
                _ = write(2, "\n", 1)
                signal(s, SIG_DFL)
                raise(s)
            }
        }
    }
}
