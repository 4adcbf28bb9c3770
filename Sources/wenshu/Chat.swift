import ArgumentParser
import Foundation
import WenshuCore

struct Chat: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "对话式问数：连续追问，\\help 查看用法。")

    @OptionGroup var store: StoreOptions

    func run() throws {
        let engine: Engine
        do { engine = try store.openEngine() } catch let f as StoreFailure {
            FileHandle.standardError.write(Data("wenshu: \(f.message)\n".utf8))
            throw ExitCode(1)
        }
        let tty = isatty(0) != 0 && isatty(1) != 0
        let session = ChatSession(engine: engine, now: try store.parsedNow(), style: ChatStyle(colour: tty, width: tty ? terminalWidth() : 100))
        let reader = LineReader(interactive: tty, historyPath: ChatSession.historyPath)
        activeDatabase = engine.db
        if tty { print(session.welcome()) }
        while let line = reader.read(prompt: tty ? "问数 › " : "") {
            if !tty, !line.trimmingCharacters(in: .whitespaces).isEmpty { print("› " + line) }
            switch session.handle(line) {
            case .output(let text): if !text.isEmpty { print(text) }
            case .quit: return
            }
            fflush(stdout)
        }
        if tty { print("\n再见。") }
    }

    func terminalWidth() -> Int {
        var w = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 20 { return Int(w.ws_col) }
        return 100
    }
}

/// Colours only on a terminal.
struct ChatStyle {
    let colour: Bool
    let width: Int
    func dim(_ s: String) -> String { colour ? "\u{1B}[2m\(s)\u{1B}[0m" : s }
    func accent(_ s: String) -> String { colour ? "\u{1B}[36m\(s)\u{1B}[0m" : s }
    func bold(_ s: String) -> String { colour ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
    func warn(_ s: String) -> String { colour ? "\u{1B}[33m\(s)\u{1B}[0m" : s }
}

/// One conversation: questions, follow-ups and backslash commands. No terminal I/O here,
/// so it tests without a terminal.
final class ChatSession {
    enum Result { case output(String), quit }

    let engine: Engine
    let now: Now?
    let style: ChatStyle
    var conversation = Conversation()
    var last: Answer?

    static var historyPath: String { UserDirectories.data.appendingPathComponent("history").path }

    init(engine: Engine, now: Now?, style: ChatStyle) {
        self.engine = engine
        self.now = now
        self.style = style
    }

    func welcome() -> String {
        "问数 wenshu：用中文问 12345 工单数据，可以连续追问。\\help 查看示例，Ctrl-D 退出。\n" + style.dim("例如：" + engine.examples.prefix(3).joined(separator: "；"))
    }

    func handle(_ raw: String) -> Result {
        let line = raw.trimmingCharacters(in: .whitespaces)
        if line.isEmpty { return .output("") }
        if line.hasPrefix("\\") || line.hasPrefix("/") { return command(String(line.dropFirst())) }
        var a = engine.ask(line, conversation: &conversation, now: now)
        if a.status == .answered || a.status == .clarify || a.status == .unsupported { last = a }
        if a.status == .error, a.message == "查询已取消。" { a.message = "已取消（Ctrl-C）。" }
        return .output(render(a))
    }

    func command(_ c: String) -> Result {
        let parts = c.split(separator: " ", maxSplits: 1).map(String.init)
        switch parts.first?.lowercased() ?? "" {
        case "quit", "q", "exit": return .quit
        case "reset":
            conversation = Conversation()
            last = nil
            return .output("已清空对话上下文。")
        case "sql":
            guard let a = last, let sql = a.sql else { return .output("还没有可显示的 SQL。") }
            func params(_ p: [DBValue]) -> String { style.dim("参数：" + p.map { "\($0)" }.joined(separator: ", ")) }
            var out = sql + "\n" + params(a.params)
            // Answered from the analytics cache: the statement it ran there too (same rows).
            if a.source?.hasPrefix("rollup:") == true, let plan = a.plan, let now = a.now, let r = engine.rollupQuery(for: plan, now: now) {
                out += "\n" + style.dim("由分析缓存 \(r.table) 回答（与上面的 SQL 结果相同），实际执行：") + "\n" + r.query.sql + "\n" + params(r.query.params)
            }
            return .output(out)
        case "why":
            guard let a = last else { return .output("还没有回答。") }
            var out = ["分词：" + a.segmentation]
            if !a.rules.isEmpty { out.append("语法规则：" + a.rules.joined(separator: "、")) }
            if !a.lexicon.isEmpty { out.append("词典条目：\n  " + a.lexicon.joined(separator: "\n  ")) }
            if let i = a.interpretation { out.append("理解：" + i) }
            return .output(out.joined(separator: "\n"))
        case "export":
            guard let a = last, a.status == .answered else { return .output("还没有可导出的结果。") }
            guard parts.count == 2, !parts[1].isEmpty else { return .output("用法：\\export 文件名.csv") }
            let path = (parts[1] as NSString).expandingTildeInPath
            if FileManager.default.fileExists(atPath: path) { return .output(style.warn("\(path) 已存在，为免覆盖请换一个文件名。")) }
            do {
                try Render.csv(a).write(toFile: path, atomically: true, encoding: .utf8)
                return .output("已导出 \(a.rows.count) 行到 \(path)。")
            } catch {
                return .output(style.warn("导出失败：\(error.localizedDescription)"))
            }
        case "help", "h", "?":
            return .output(help())
        default:
            return .output("不认识的命令 \\\(c)。可用：\\sql \\why \\export 文件.csv \\help \\reset \\quit")
        }
    }

    func help() -> String {
        let districts = engine.catalog.values(.district).prefix(3)
        let subs = engine.catalog.values(.subcategory).prefix(4)
        let d = districts.first ?? "全市"
        return """
        可以这样问（地点、分类取自当前工单库）：
          上个月\(d)\(subs.first ?? "供水")类投诉有多少件
          今年投诉最多的前五个街道
          近30天每天的工单量趋势
          本月工单量和上月比怎么样
          今年各渠道来源占比
          列出昨天的紧急工单
        接着追问：那上个月呢 · 只看\(districts.dropFirst().first ?? d) · 其中投诉有多少 · 按街道分开看 · 前三名呢 · 看看趋势 · 和上月比呢 · 第二个街道具体是哪些工单
        地点：\(districts.joined(separator: "、"))…  分类：\(subs.joined(separator: "、"))…
        命令：\\sql 上一个回答的 SQL · \\why 为什么这样理解 · \\export 文件.csv 导出 · \\reset 重新开始 · \\quit 退出
        有多个建议时，输入编号即可选择。
        """
    }

    func render(_ a: Answer) -> String {
        var out: [String] = []
        switch a.status {
        case .answered:
            out.append(style.accent("【理解】" + (a.interpretation ?? "")))
            let shown = Array(a.rows.prefix(30))
            out.append(Render.table(a.columns, shown, kinds: a.kinds, maxWidth: style.width - 1))
            if a.rows.count > shown.count { out.append(style.dim("… 共 \(a.rows.count) 行，\\export 可导出全部")) }
            if let spark = Sparkline.for(a) { out.append(spark) }
            out.append(style.bold("【结论】" + (a.summary ?? "")))
        case .clarify, .unsupported, .denied, .error:
            out.append(style.warn("【\(TextAnswer.statusWord(a.status))】" + (a.message ?? "")))
            for (i, s) in a.suggestions.enumerated() { out.append("  \(i + 1). \(s)") }
            if !a.suggestions.isEmpty { out.append(style.dim("输入编号即可选择。")) }
        }
        return out.joined(separator: "\n")
    }
}

/// A one-line chart for trends: ▁▂▃▄▅▆▇█ from the lowest to the highest value.
enum Sparkline {
    static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    static func `for`(_ a: Answer) -> String? {
        guard let p = a.plan, case .trend = p.shape, a.rows.count > 1,
              let first = a.rows.first?.first, let last = a.rows.last?.first else { return nil }
        let values = a.rows.map { $0.count > 1 ? $0[1].doubleValue : nil }
        let present = values.compactMap { $0 }.filter(\.isFinite)
        guard let lo = present.min(), let hi = present.max() else { return nil }
        let line = String(values.map { v -> Character in
            guard let v, v.isFinite else { return " " }
            let k = hi > lo ? Int((v - lo) / (hi - lo) * 7.0 + 0.5) : 3
            return bars[max(0, min(7, k))]
        })
        return "趋势 \(first) \(line) \(last)"
    }
}
