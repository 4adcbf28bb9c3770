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
                    var a = Answer(question: item.question, status: .unsupported)
                    a.id = item.id
                    a.message = problem
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

enum BatchFile {
    static func read(_ path: String) throws -> [BatchItem] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("无法读取批量文件：\(path)")
        }
        var items: [BatchItem] = []
        for (i, line) in text.split(separator: "\n").enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let obj = try? JSONSerialization.jsonObject(with: Data(t.utf8)) as? [String: Any],
                  let q = obj["question"] as? String else {
                let obj = try? JSONSerialization.jsonObject(with: Data(t.utf8)) as? [String: Any]
                let id = (obj?["id"] as? String) ?? (obj?["id"] as? NSNumber)?.stringValue
                items.append(BatchItem(id: id, question: "", session: nil, problem: "第\(i + 1)行需要 JSON 对象，含字符串字段 question。"))
                continue
            }
            let id = (obj["id"] as? String) ?? (obj["id"] as? NSNumber)?.stringValue
            let session = (obj["session"] as? String) ?? (obj["session"] as? NSNumber)?.stringValue
            items.append(BatchItem(id: id, question: q, session: session))
        }
        return items
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
