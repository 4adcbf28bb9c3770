import CEditLine
import Foundation
import WenshuCore

/// Ctrl-C: a flag the line reader and the query loop look at, and an interrupt for SQLite.
/// Set from a signal handler, so only plain stores happen there.
nonisolated(unsafe) var interruptRequested: sig_atomic_t = 0
nonisolated(unsafe) var activeDatabase: Database?

/// Reads lines: libedit (line editing, persistent history) on a terminal, plain stdin otherwise.
final class LineReader {
    let interactive: Bool
    let historyPath: String

    init(interactive: Bool, historyPath: String) {
        self.interactive = interactive
        self.historyPath = historyPath
        if interactive {
            // libedit decodes multibyte input by the locale; Chinese needs a UTF-8 one.
            if setlocale(LC_CTYPE, "") == nil || !String(cString: nl_langinfo(nl_item(CODESET))).uppercased().contains("UTF") {
                _ = setlocale(LC_CTYPE, "C.UTF-8")
            }
            try? FileManager.default.createDirectory(atPath: (historyPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            using_history()
            read_history(historyPath)
            stifle_history(1000)
            // Our own SIGINT handler stays in place; libedit's would swallow Ctrl-C.
            rl_catch_signals = 0
            rl_getc_function = { file in LineReader.getc(file) }
        }
        LineReader.installSigint()
    }

    /// One line, nil at end of input (Ctrl-D). A Ctrl-C while typing gives "".
    func read(prompt: String) -> String? {
        interruptRequested = 0
        guard interactive else { return Swift.readLine(strippingNewline: true) }
        guard let p = readline(prompt) else {
            // libedit gives up on an interrupted read: that is Ctrl-C, not end of input.
            if interruptRequested != 0 {
                interruptRequested = 0
                FileHandle.standardOutput.write(Data("^C\n".utf8))
                return ""
            }
            return nil
        }
        defer { free(p) }
        let line = String(cString: p)
        if interruptRequested != 0 { interruptRequested = 0; return "" }
        if !line.trimmingCharacters(in: .whitespaces).isEmpty {
            add_history(line)
            write_history(historyPath)
        }
        return line
    }

    private nonisolated(unsafe) static var pending: [Int32] = []

    /// Reads one character (libedit wants a whole code point, so UTF-8 is decoded here);
    /// a Ctrl-C while reading clears the line and ends it.
    static func getc(_ file: UnsafeMutablePointer<FILE>?) -> Int32 {
        if !pending.isEmpty { return pending.removeFirst() }
        let fd = file.map { fileno($0) } ?? 0
        func byte() -> Int32? {
            var c: UInt8 = 0
            while true {
                // Wait in short polls so a Ctrl-C that lands between two reads is still seen.
                if interruptRequested != 0 { return -2 }
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&p, 1, 100)
                if ready == 0 || (ready < 0 && errno == EINTR) { continue }
                let n = Foundation.read(fd, &c, 1)
                if n == 1 {
                    if ProcessInfo.processInfo.environment["WENSHU_DEBUG_KEYS"] != nil { FileHandle.standardError.write(Data("[key \(c)]".utf8)) }
                    return Int32(c)
                }
                if n == 0 { return nil }
                if errno == EINTR {
                    if interruptRequested != 0 { return -2 }
                    continue
                }
                return nil
            }
        }
        guard let first = byte() else { return EOF }
        if first == -2 {
            FileHandle.standardOutput.write(Data("^C".utf8))
            pending = [10]
            return 0x15  // kill the line, then newline
        }
        let extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0
        var cp = extra == 0 ? first : first & (0x3F >> extra)
        for _ in 0..<extra {
            guard let b = byte(), b >= 0 else { return EOF }
            cp = (cp << 6) | (b & 0x3F)
        }
        return cp
    }

    static func installSigint() {
        var sa = sigaction()
        sa.__sigaction_handler.sa_handler = { _ in
            interruptRequested = 1
            if let db = activeDatabase { db.interrupt() }
        }
        sigemptyset(&sa.sa_mask)
        sa.sa_flags = 0  // no SA_RESTART: a blocked read returns EINTR
        sigaction(SIGINT, &sa, nil)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
