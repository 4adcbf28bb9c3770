import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The real `wenshu` binary (built by `swift build`), run as a server or a one-shot command,
/// and a deliberately plain HTTP/1.1 client over POSIX sockets: it can also hold connections
/// open, send half a request, or send headers no HTTP library would.
enum LiveBinary {
    static let root = ServerTests.root
    static var path: String { root.appendingPathComponent(".build/debug/wenshu").path }

    static func environment() -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["XDG_CACHE_HOME"] = NSTemporaryDirectory() + "wenshu-test-cache"
        return env
    }

    /// Runs a command to completion: exit code (or signal), stdout, stderr.
    static func run(_ args: [String]) throws -> (status: Int32, signalled: Bool, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.environment = environment()
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, p.terminationReason == .uncaughtSignal, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static func tempFile(_ name: String, _ text: String) throws -> String {
        let f = NSTemporaryDirectory() + "wenshu-\(UUID().uuidString)-\(name)"
        try text.write(toFile: f, atomically: true, encoding: .utf8)
        return f
    }
}

/// `wenshu serve` in its own process on 127.0.0.1 with a free port.
final class LiveServer {
    final class Output: @unchecked Sendable {
        private var data = Data()
        private let lock = NSLock()
        var port: Int?
        func append(_ d: Data) -> String { lock.lock(); defer { lock.unlock() }; data.append(d); return String(decoding: data, as: UTF8.self) }
        var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
    }

    let process = Process()
    let port: Int
    let output = Output()

    /// `openFiles` runs the server under `ulimit -n` (soft and hard), as on a host with a low limit.
    /// `db: nil` leaves `--db` out (the config's `db` key, or the demo store, is used).
    init(config: [String: Any], db: String? = ServerTests.store, now: String = "2026-11-29 10:00:00", openFiles: Int? = nil) throws {
        let cfg = try LiveBinary.tempFile("serve.json", String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self))
        let args = ["serve", "--config", cfg] + (db.map { ["--db", $0] } ?? []) + ["--port", "0", "--now", now]
        if let openFiles {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(openFiles) && exec \"$0\" \"$@\"", LiveBinary.path] + args
        } else {
            process.executableURL = URL(fileURLWithPath: LiveBinary.path)
            process.arguments = args
        }
        process.environment = LiveBinary.environment()
        let errPipe = Pipe()
        process.standardError = errPipe
        process.standardOutput = FileHandle.nullDevice
        let out = output
        let ready = DispatchSemaphore(value: 0)
        errPipe.fileHandleForReading.readabilityHandler = { h in
            let d = h.availableData
            let text = out.append(d)
            if out.port == nil, let r = text.range(of: #"listening on http://127\.0\.0\.1:([0-9]+)"#, options: .regularExpression) {
                out.port = Int(text[r].split(separator: ":").last ?? "")
                ready.signal()
            }
            if d.isEmpty { h.readabilityHandler = nil; ready.signal() }
        }
        try process.run()
        _ = ready.wait(timeout: .now() + 120)
        guard let p = output.port else {
            process.terminate()
            throw NSError(domain: "LiveServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "server did not start: \(output.text)"])
        }
        port = p
    }

    var stderr: String { output.text }
    var isRunning: Bool { process.isRunning }
    var http: RawHTTP { RawHTTP(port: port) }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// One HTTP exchange over a fresh socket (`Connection: close`).
struct RawHTTP {
    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    }

    let port: Int

    static func connect(_ port: Int, timeout: Double = 30) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { close(fd); return nil }
        return fd
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBufferPointer { Glibc.send(fd, $0.baseAddress! + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    /// Everything the peer sends until it closes (or the receive timeout passes).
    static func readAll(_ fd: Int32) -> Data {
        var out = Data()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    static func parse(_ data: Data) -> Reply? {
        guard let sep = data.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: data[..<sep.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = head.first, statusLine.split(separator: " ").count >= 2, let code = Int(statusLine.split(separator: " ")[1]) else { return nil }
        var headers: [String: String] = [:]
        for h in head.dropFirst() {
            if let c = h.firstIndex(of: ":") { headers[h[..<c].lowercased()] = h[h.index(after: c)...].trimmingCharacters(in: .whitespaces) }
        }
        var body = Data(data[sep.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Reply(status: code, headers: headers, body: String(decoding: body, as: UTF8.self))
    }

    static func dechunk(_ d: Data) -> Data {
        var out = Data(), rest = d[...]
        while let nl = rest.range(of: Data("\r\n".utf8)) {
            let size = Int(String(decoding: rest[..<nl.lowerBound], as: UTF8.self).split(separator: ";").first ?? "", radix: 16) ?? 0
            if size == 0 { break }
            let start = nl.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size else { break }
            let end = rest.index(start, offsetBy: size)
            out.append(rest[start..<end])
            rest = rest[end...].dropFirst(2)
        }
        return out
    }

    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: Data = Data(), timeout: Double = 60) -> Reply? {
        guard let fd = RawHTTP.connect(port, timeout: timeout) else { return nil }
        defer { close(fd) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        RawHTTP.send(fd, Array(head.utf8) + Array(body))
        return RawHTTP.parse(RawHTTP.readAll(fd))
    }

    func ask(_ question: String, token: String, extra: [String: Any] = [:]) -> Reply? {
        var obj = extra
        obj["question"] = question
        let body = (try? JSONSerialization.data(withJSONObject: obj)) ?? Data()
        return request("POST", "/v1/ask", headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: body)
    }
}

