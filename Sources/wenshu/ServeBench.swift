import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `wenshu bench --serve`: starts `wenshu serve` on 127.0.0.1 as a child process and loads it
/// with wrk and the question mix (scripts/load/mix.lua), once answering through the analytics
/// cache and once from the raw store, the result cache off both times. Prints answers/s,
/// p50, p99, errors and the server's peak RSS.
enum ServeBench {
    struct Options {
        var db: String
        var now: String?
        var mix: String
        var questions: String?
        var connections: [Int]
        var seconds: Int
    }

    static func run(_ o: Options) {
        guard let wrk = which("wrk") else { print("serve: skipped, wrk is not installed (apt-get install wrk)"); return }
        guard FileManager.default.fileExists(atPath: o.mix) else { print("serve: skipped, no wrk script at \(o.mix) (run from the repository, or pass --mix)"); return }
        let token = "bench-" + UUID().uuidString
        let config = FileManager.default.temporaryDirectory.appendingPathComponent("wenshu-bench-\(UUID().uuidString).json").path
        let json = #"{"tokens": [{"token": "\#(token)", "name": "bench", "scope": {}}], "limits": {"requests_per_minute": 1000000, "max_connections": 4000}}"#
        guard FileManager.default.createFile(atPath: config, contents: Data(json.utf8)) else { print("serve: skipped, cannot write \(config)"); return }
        defer { try? FileManager.default.removeItem(atPath: config) }
        for (label, analytics) in [("with the analytics cache", true), ("raw store, no analytics cache", false)] {
            guard let server = Server.start(db: o.db, config: config, now: o.now, analytics: analytics) else {
                print("serve (\(label)): the server did not start"); continue
            }
            defer { server.stop() }
            let source = server.source(of: "上个月工单量", token: token) ?? "?"
            for c in o.connections {
                var args = ["-t2", "-c\(c)", "-d\(o.seconds)s", "-s", o.mix, "http://127.0.0.1:\(server.port)", "--", token]
                if let q = o.questions { args.append(q) }
                let out = capture(wrk, args)
                let lines = out.split(separator: "\n").filter { $0.hasPrefix("requests ") || $0.hasPrefix("latency p50") }
                print("serve (\(label); 上个月工单量 from \(source)), wrk -t2 -c\(c) -d\(o.seconds)s: " + lines.joined(separator: "; ")
                      + String(format: "; peak RSS %.0f MB", Double(server.peakRSSKiB()) / 1024))
            }
        }
    }

    /// A `wenshu serve` child on a free port.
    final class Server {
        let process: Process
        let port: Int

        private init(process: Process, port: Int) {
            self.process = process
            self.port = port
        }

        static func start(db: String, config: String, now: String?, analytics: Bool) -> Server? {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
            p.arguments = ["serve", "--db", db, "--config", config, "--port", "0"] + (now.map { ["--now", $0] } ?? [])
            var env = ProcessInfo.processInfo.environment
            env["WENSHU_RESULT_CACHE"] = "0"
            if !analytics { env["WENSHU_ANALYTICS"] = "off" }
            p.environment = env
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            do { try p.run() } catch { return nil }
            // The port is on the "listening on http://127.0.0.1:PORT" line.
            var seen = ""
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline, p.isRunning {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                seen += String(decoding: chunk, as: UTF8.self)
                if let r = seen.range(of: "listening on http://127.0.0.1:") {
                    let digits = seen[r.upperBound...].prefix { $0.isNumber }
                    if let port = Int(digits), (1...65535).contains(port) {
                        // Keep draining stderr so the child never blocks on a full pipe.
                        err.fileHandleForReading.readabilityHandler = { h in _ = h.availableData }
                        return Server(process: p, port: port)
                    }
                }
            }
            if p.isRunning { p.terminate() }
            return nil
        }

        func stop() {
            if process.isRunning { process.terminate(); process.waitUntilExit() }
        }

        /// Peak resident memory of the server so far (VmHWM), in KiB.
        func peakRSSKiB() -> Int {
            guard let s = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else { return 0 }
            for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                return Int(line.split(separator: " ").dropFirst().first { !$0.isEmpty } ?? "") ?? 0
            }
            return 0
        }

        /// Which source answered a question (the answer's `source`), over one plain HTTP request.
        func source(of question: String, token: String) -> String? {
            let body = Data(#"{"question": "\#(question)"}"#.utf8)
            guard let reply = Self.post(port: port, path: "/v1/ask", token: token, body: body),
                  let start = reply.range(of: "\r\n\r\n"),
                  let obj = try? JSONSerialization.jsonObject(with: Data(reply[start.upperBound...].utf8)) as? [String: Any] else { return nil }
            return obj["source"] as? String
        }

        private static func post(port: Int, path: String, token: String, body: Data) -> String? {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard ok == 0 else { return nil }
            var request = Data("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8)
            request.append(body)
            let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard sent == request.count else { return nil }
            var reply = Data()
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = recv(fd, &buf, buf.count, 0)
                if n <= 0 { break }
                reply.append(contentsOf: buf[0..<n])
            }
            return String(decoding: reply, as: UTF8.self)
        }
    }

    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    static func capture(_ exe: String, _ args: [String]) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        do { try p.run() } catch { return "" }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
