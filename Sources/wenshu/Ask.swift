import ArgumentParser
import Foundation
import WenshuCore

struct Ask: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "回答一个问题，或用 --batch 回答一批问题（JSONL）。")

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, jsonl, csv }

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "输出格式：table | json | jsonl | csv。")
    var format: Format = .table

    @Option(name: .long, help: "批量问题文件，每行一个 JSON：{\"id\", \"question\", \"session\"}。")
    var batch: String?

    @Argument(help: "问题，例如：上个月西湖区供水类投诉有多少件")
    var question: [String] = []

    func run() throws {
        if batch == nil && question.isEmpty { throw ValidationError("请给出一个问题，或用 --batch 指定问题文件。") }
        let engine: Engine
        do {
            engine = try store.openEngine()
        } catch let f as StoreFailure {
            var a = Answer(question: question.joined(separator: " "), status: .error)
            a.message = f.message
            if format == .table || format == .csv { FileHandle.standardError.write(Data("wenshu: \(f.message)\n".utf8)) }
            else { print(a.json.render()) }
            throw ExitCode(1)
        }
        var failed = false
        if let batch {
            let items = try BatchFile.read(batch)
            var sessions: [String: Conversation] = [:]
            for item in items {
                if let problem = item.problem {
                    var a = Answer(question: item.question, status: .error)
                    a.id = item.id
                    a.message = problem
                    failed = true
                    emit(a, engine: engine)
                    continue
                }
                var conv = item.session.flatMap { sessions[$0] } ?? Conversation()
                var a = engine.ask(item.question, conversation: &conv)
                a.id = item.id
                if let s = item.session { sessions[s] = conv }
                if a.status == .error { failed = true }
                emit(a, engine: engine)
            }
        } else {
            var conv = Conversation()
            let a = engine.ask(question.joined(separator: " "), conversation: &conv)
            if a.status == .error { failed = true }
            emit(a, engine: engine)
        }
        if failed { throw ExitCode(1) }
    }

    func emit(_ a: Answer, engine: Engine) {
        switch format {
        case .json, .jsonl: print(a.json.render())
        case .csv:
            if a.status == .answered { print(Render.csv(a), terminator: "") }
            else { FileHandle.standardError.write(Data("wenshu: [\(a.status.rawValue)] \(a.message ?? "")\n".utf8)) }
        case .table: print(TextAnswer.render(a))
        }
    }
}

/// One line of a batch file.
struct BatchItem {
    let id: String?
    let question: String
    let session: String?
    /// Why the line could not be read; it still gets an answer line, so output stays aligned.
    var problem: String? = nil
}

/// Reads a batch file line by line as bytes: LF and CRLF both end a line, and a line that is
/// not valid UTF-8 or not a JSON object becomes an item with a `problem` (answered with
/// status `error`, carrying its id when the id can still be read), so one bad line never
/// costs the other lines their answers.
enum BatchFile {
    static func read(_ path: String) throws -> [BatchItem] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("无法读取批量文件：\(path)")
        }
        return parse(data)
    }

    static func parse(_ data: Data) -> [BatchItem] {
        var items: [BatchItem] = []
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a UTF-8 BOM
        var lineNumber = 0
        for raw in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = raw
            while let last = line.last, last == 0x0D { line = line.dropLast() }
            guard let text = String(validating: line, as: UTF8.self) else {
                // The id may still be readable from the valid part of the line.
                let lossy = String(decoding: line, as: UTF8.self)
                items.append(BatchItem(id: idOf(lossy), question: "", session: nil,
                                       problem: "第\(lineNumber)行不是有效的 UTF-8 文本，无法读取。"))
                continue
            }
            let t = text.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            let obj = try? JSONSerialization.jsonObject(with: Data(t.utf8)) as? [String: Any]
            guard let obj, let q = obj["question"] as? String else {
                items.append(BatchItem(id: obj.flatMap(idValue) ?? idOf(t), question: "", session: nil,
                                       problem: "第\(lineNumber)行需要 JSON 对象，含字符串字段 question。"))
                continue
            }
            let session = (obj["session"] as? String) ?? (obj["session"] as? NSNumber)?.stringValue
            items.append(BatchItem(id: idValue(obj), question: q, session: session))
        }
        return items
    }

    static func idValue(_ obj: [String: Any]) -> String? {
        (obj["id"] as? String) ?? (obj["id"] as? NSNumber)?.stringValue
    }

    /// The `"id": "…"` (or a number) of a line that is not valid JSON as a whole.
    static func idOf(_ text: String) -> String? {
        guard let r = text.range(of: #""id"\s*:\s*("(?:[^"\\]|\\.)*"|-?[0-9]+)"#, options: .regularExpression) else { return nil }
        let match = String(text[r])
        guard let colon = match.firstIndex(of: ":") else { return nil }
        let value = match[match.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("\"") {
            return (try? JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)) as? String
        }
        return value
    }
}

/// The human-readable answer: interpretation first, then the table, then the summary.
enum TextAnswer {
    static func render(_ a: Answer, width: Int = 120) -> String {
        var out: [String] = []
        switch a.status {
        case .answered:
            if let i = a.interpretation { out.append("【理解】" + i) }
            out.append(Render.table(a, maxWidth: width))
            if let s = a.summary { out.append("【结论】" + s) }
        default:
            out.append("【\(statusWord(a.status))】" + (a.message ?? ""))
            for (i, s) in a.suggestions.enumerated() { out.append("  \(i + 1). \(s)") }
        }
        return out.joined(separator: "\n")
    }

    static func statusWord(_ s: Answer.Status) -> String {
        switch s {
        case .answered: return "回答"
        case .clarify: return "需要确认"
        case .unsupported: return "无法回答"
        case .denied: return "无权限"
        case .error: return "出错"
        }
    }
}
