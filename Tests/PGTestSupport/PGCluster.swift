import Foundation
import XCTest
@testable import WenshuCore
@testable import WenshuPostgres

/// A private PostgreSQL cluster for the tests: initdb + pg_ctl in a temporary directory, on a
/// free port of 127.0.0.1, started once per test process and stopped at exit. As root (CI), the
/// server runs as the unprivileged `postgres` user (initdb refuses root). A library of its own
/// so that the PostgreSQL tests and the server tests share one cluster per test process.
public final class PGCluster: @unchecked Sendable {
    public let dir: String
    public let port: Int
    public let bin: String
    public static let admin = "wenshu_admin"
    public static let adminPassword = "adm-\(UUID().uuidString.prefix(8))"

    nonisolated(unsafe) private static var started: Result<PGCluster, Error>?
    private static let lock = NSLock()

    /// The shared cluster; skips the test (with the reason) when PostgreSQL is not installed.
    public static func shared() throws -> PGCluster {
        lock.lock(); defer { lock.unlock() }
        if started == nil {
            guard let bin = binDirectory() else {
                started = .failure(XCTSkip("PostgreSQL 的 initdb/pg_ctl 不在 /usr/lib/postgresql/*/bin 或 PATH 中：跳过 PostgreSQL 测试（apt-get install postgresql 后即可运行；.ci/run 会安装）。"))
                return try started!.get()
            }
            started = Result { try PGCluster(bin: bin) }
            if case .success = started { atexit { PGCluster.stopShared() } }
        }
        return try started!.get()
    }

    public static func stopShared() {
        if case .success(let c)? = started { c.stop() }
    }

    public static func binDirectory() -> String? {
        let fm = FileManager.default
        // WENSHU_TEST_PG_BIN names the directory explicitly (an empty or wrong one shows the skip).
        if let forced = ProcessInfo.processInfo.environment["WENSHU_TEST_PG_BIN"] {
            return fm.isExecutableFile(atPath: forced + "/initdb") ? forced : nil
        }
        let versions = ((try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap(Int.init).sorted(by: >)
        for v in versions where fm.isExecutableFile(atPath: "/usr/lib/postgresql/\(v)/bin/initdb") { return "/usr/lib/postgresql/\(v)/bin" }
        for d in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        where fm.isExecutableFile(atPath: "\(d)/initdb") && fm.isExecutableFile(atPath: "\(d)/pg_ctl") { return String(d) }
        return nil
    }

    private init(bin: String) throws {
        self.bin = bin
        var template = Array("/tmp/wenshu-pg-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw NSError(domain: "PGCluster", code: 1, userInfo: [NSLocalizedDescriptionKey: "mkdtemp failed"]) }
        dir = String(cString: p)
        port = try PGCluster.freePort()
        let pw = dir + "/pw"
        try PGCluster.adminPassword.write(toFile: pw, atomically: true, encoding: .utf8)
        if geteuid() == 0 {
            try PGCluster.exec("/bin/chown", ["-R", "postgres:postgres", dir])
        }
        try runAsServerUser("\(bin)/initdb", ["-D", dir + "/data", "-U", PGCluster.admin, "--pwfile=\(pw)", "-E", "UTF8", "--no-locale",
                                              "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"])
        try runAsServerUser("\(bin)/pg_ctl", ["-D", dir + "/data", "-l", dir + "/log", "-w", "-t", "60",
                                              "-o", "-p \(port) -k \(dir) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
                                              "start"])
    }

    func stop() {
        try? runAsServerUser("\(bin)/pg_ctl", ["-D", dir + "/data", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: dir)
    }

    public func url(user: String = PGCluster.admin, password: String? = PGCluster.adminPassword, database: String = "postgres") throws -> PostgresURL {
        let pw = password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        return try PostgresURL(parsing: "postgres://\(user)\(pw)@127.0.0.1:\(port)/\(database)?sslmode=disable", environment: [:], pgpassFile: "/nonexistent")
    }

    /// Runs statements as the cluster's superuser (setup only).
    public func admin(_ sql: [String], database: String = "postgres") throws {
        let c = try PostgresStore.open(try url(database: database))
        defer { try? c.close().wait() }
        for s in sql { _ = try PostgresStore.run(c, s, []) }
    }

    /// A fresh database; `nil` source leaves it empty.
    public func createDatabase(_ name: String) throws {
        try admin(["DROP DATABASE IF EXISTS \(name)", "CREATE DATABASE \(name)"])
    }

    /// A login role that may only read `tickets` of `database` (the README's recipe).
    public func createReader(_ role: String, password: String, database: String) throws {
        try admin(["DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(role)') THEN CREATE ROLE \(role) LOGIN PASSWORD '\(password)'; END IF; END$$",
                   "GRANT CONNECT ON DATABASE \(database) TO \(role)"])
        try admin(["GRANT USAGE ON SCHEMA public TO \(role)", "GRANT SELECT ON tickets TO \(role)"], database: database)
    }

    private func runAsServerUser(_ tool: String, _ args: [String]) throws {
        if geteuid() == 0 { try PGCluster.exec("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + args, cwd: dir) }
        else { try PGCluster.exec(tool, args, cwd: dir) }
    }

    /// Runs a tool and waits for it (posix_spawn + waitpid: Foundation's Process can miss the
    /// exit of a tool whose child outlives it, as pg_ctl's server does). Output goes to a file.
    public static func exec(_ tool: String, _ args: [String], cwd: String? = nil) throws {
        let log = (cwd ?? NSTemporaryDirectory()) + "/exec-\(UUID().uuidString).log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o666)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([tool] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, tool, &actions, nil, argv, environ)
        guard rc == 0 else { throw NSError(domain: "PGCluster", code: Int(rc), userInfo: [NSLocalizedDescriptionKey: "cannot run \(tool)"]) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: log)
        let exited = (status & 0x7f) == 0, code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            throw NSError(domain: "PGCluster", code: Int(code),
                          userInfo: [NSLocalizedDescriptionKey: "\(tool) \(args.joined(separator: " ")) failed (status \(status)): \(output)"])
        }
    }

    /// A port nobody listens on now (bound to port 0, then released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NSError(domain: "PGCluster", code: 2) }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw NSError(domain: "PGCluster", code: 3) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
