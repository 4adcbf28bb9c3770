import Foundation
import XCTest
@testable import WenshuCore

/// Drives `wenshu chat` in a real pseudo-terminal (tmux) and reads the screen.
final class ChatTerminalTests: XCTestCase {
    var socket = ""
    var session = ""

    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        // posix_spawn + waitpid through /bin/sh, output to a file: Foundation's Process can
        // wait forever on the client that starts a tmux server.
        let outFile = NSTemporaryDirectory() + "wenshu-tmux-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: outFile) }
        let quoted = (["tmux", "-L", socket] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let cmd = quoted + " > '\(outFile)' 2>/dev/null < /dev/null"
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(cmd), nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0 else { throw CocoaError(.executableLoad) }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
    }

    /// The whole scrollback, without the pane's trailing blank rows (they fill up as text arrives).
    func screen() throws -> String {
        var s = try tmux(["capture-pane", "-p", "-J", "-S", "-", "-t", session])
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return s
    }

    /// Types a line (or keys) and waits until the screen shows `until` after what was there.
    func type(_ keys: [String], until marker: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        // libedit flushes type-ahead when it starts reading: wait for the prompt first.
        let ready = Date().addingTimeInterval(20)
        while Date() < ready, !(try screen().split(separator: "\n").last.map { $0.hasPrefix("问数 ›") } ?? false) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        // What is new starts at the prompt line being answered.
        let before = try screen().split(separator: "\n", omittingEmptySubsequences: false).dropLast().joined(separator: "\n").count
        try tmux(["send-keys", "-t", session] + keys)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let s = try screen()
            let new = String(s.dropFirst(min(before, s.count)))
            if new.contains(marker) { return new }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTFail("screen never showed \(marker):\n\(try screen().suffix(1500))", file: file, line: line)
        return ""
    }

    func testEightTurnConversationInARealTerminal() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            throw XCTSkip("tmux is not installed (scripts/setup installs it)")
        }
        let binary = Fixtures.packageRoot.appendingPathComponent(".build/debug/wenshu").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: binary), "build the wenshu binary first")
        let dir = NSTemporaryDirectory() + "wenshu-chat-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = try Fixtures.makeStore(count: 3000, at: dir + "/t.db")
        socket = "wenshu-test-\(getpid())"
        session = "chat"
        let cmd = "cd \(dir) && XDG_DATA_HOME=\(dir) XDG_CACHE_HOME=\(dir) \(binary) chat --db \(store) --now '2026-11-29 10:00:00'; echo exit=$?; sleep 10"
        try tmux(["new-session", "-d", "-s", session, "-x", "150", "-y", "50", cmd])
        defer { _ = try? tmux(["kill-server"]) }

        var s = try type(["\\help", "Enter"], until: "命令：")
        XCTAssertTrue(s.contains("西湖区") || s.contains("拱墅区"), "help draws places from the open store")

        // 1. A ranking.
        s = try type(["上个月各区工单量排名", "Enter"], until: "【结论】")
        XCTAssertTrue(s.contains("【理解】2026年10月 · 按区县 · 工单量 · 排名"))
        XCTAssertTrue(s.contains("区县") && s.contains("│"))
        // 2. Place follow-up drills down.
        s = try type(["只看西湖区", "Enter"], until: "【结论】")
        XCTAssertTrue(s.contains("西湖区 · 按街道"), s)
        // 3. Limit follow-up.
        s = try type(["前两名呢", "Enter"], until: "【结论】")
        XCTAssertTrue(s.contains("前2"), s)
        // 4. Time follow-up.
        s = try type(["那今年呢", "Enter"], until: "【结论】")
        XCTAssertTrue(s.contains("【理解】2026年 · 西湖区"), s)
        // 5. Kind follow-up.
        s = try type(["其中投诉有多少", "Enter"], until: "【结论】")
        XCTAssertTrue(s.contains("投诉"), s)
        // 6. Shape follow-up: a trend with its sparkline.
        s = try type(["看看趋势", "Enter"], until: "【结论】")
        XCTAssertTrue(s.contains("按月趋势") && s.contains("趋势 2026-01"), s)
        // 7. A clarification, picked by number.
        s = try type(["城关镇上个月工单量", "Enter"], until: "输入编号")
        XCTAssertTrue(s.contains("1. ") && s.contains("2. "), s)
        s = try type(["2", "Enter"], until: "【结论】")
        XCTAssertTrue(s.contains("淳安县 · 城关镇"), s)
        // 8. Drill into a row of a ranking.
        _ = try type(["今年各街道投诉量排名", "Enter"], until: "【结论】")
        s = try type(["第二个街道具体是哪些工单", "Enter"], until: "【结论】")
        XCTAssertTrue(s.contains("工单明细"), s)
        // \sql shows the statement and its parameters.
        s = try type(["\\sql", "Enter"], until: "参数：")
        XCTAssertTrue(s.contains("SELECT id, created_at"), s)
        // \export writes the last table as CSV.
        s = try type(["\\export out.csv", "Enter"], until: "已导出")
        let csv = try String(contentsOfFile: dir + "/out.csv", encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("工单编号,受理时间"), csv)
        s = try type(["\\export out.csv", "Enter"], until: "已存在")
        // Answered from the analytics cache: \sql also shows the statement it ran there.
        _ = try type(["今年各区投诉量排名", "Enter"], until: "【结论】")
        _ = try type(["\\sql", "Enter"], until: "实际执行")
        let shown = Date().addingTimeInterval(20)
        while Date() < shown, !(try screen().split(separator: "\n").last.map { $0.hasPrefix("问数 ›") } ?? false) { Thread.sleep(forTimeInterval: 0.05) }
        s = try screen()
        XCTAssertTrue(s.contains("由分析缓存 r_") && s.contains("FROM r_"), s)
        // Ctrl-C cancels the line being typed; the session goes on.
        _ = try type(["这句话不要了"], until: "这句话不要了")
        s = try type(["C-c"], until: "^C")
        s = try type(["\\why", "Enter"], until: "分词：")
        XCTAssertFalse(s.contains("这句话不要了"))
        // Ctrl-D ends it.
        s = try type(["C-d"], until: "exit=0")
        XCTAssertTrue(s.contains("再见"), s)
        // History persisted.
        let history = try String(contentsOfFile: dir + "/wenshu/history", encoding: .utf8)
        XCTAssertTrue(history.contains("上个月各区工单量排名"))
    }

    func testPipedInputHasNoPromptOrColour() throws {
        let (code, text, _) = try Fixtures.runWenshu(["chat", "--db", Fixtures.sharedStore, "--now", "2026-11-29 10:00:00"],
                                                     stdin: "上个月西湖区工单量\n那今年呢\n\\quit\n")
        XCTAssertFalse(text.contains("\u{1B}["), "no colour codes when not a terminal")
        XCTAssertFalse(text.contains("问数 ›"), "no prompt when not a terminal")
        XCTAssertTrue(text.contains("【理解】2026年 · 西湖区 · 工单量"), text)
        XCTAssertEqual(code, 0)
    }
}
