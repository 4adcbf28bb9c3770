import Foundation

/// Where a PostgreSQL store is and who connects: `postgres://user[:password]@host[:port]/db?sslmode=…`,
/// with libpq's fallbacks (PGHOST, PGPORT, PGUSER, PGDATABASE; the password from the URL,
/// then PGPASSWORD, then ~/.pgpass or PGPASSFILE). `label` never holds the password.
public struct PostgresURL: Sendable, Equatable {
    public enum SSLMode: String, Sendable { case disable, allow, prefer, require, verifyCA = "verify-ca", verifyFull = "verify-full" }

    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    public var password: String?
    /// A directory holding the server's Unix socket (`?host=/run/postgresql`), instead of TCP.
    public var socketDirectory: String?
    public var sslMode: SSLMode

    /// Whether a `--db` value names a PostgreSQL store rather than a SQLite file.
    public static func isPostgres(_ s: String) -> Bool {
        s.hasPrefix("postgres://") || s.hasPrefix("postgresql://")
    }

    public var label: String {
        let where_ = socketDirectory.map { "[\($0)]" } ?? (host.contains(":") ? "[\(host)]" : host)
        return "postgres://\(user)@\(where_):\(port)/\(database)"
    }

    public struct Invalid: Error, CustomStringConvertible { public let description: String }

    public init(parsing s: String, environment env: [String: String] = ProcessInfo.processInfo.environment,
                pgpassFile: String? = nil) throws {
        guard PostgresURL.isPostgres(s), let c = URLComponents(string: s) else {
            throw Invalid(description: "无法解析数据库地址（需要 postgres://用户@主机:端口/库名）。")
        }
        var query: [String: String] = [:]
        for item in c.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let hostParam = query["host"]
        if let h = hostParam, h.hasPrefix("/") { socketDirectory = h }
        else if let envHost = env["PGHOST"], envHost.hasPrefix("/"), (c.host ?? "").isEmpty, hostParam == nil { socketDirectory = envHost }
        host = c.host.flatMap { $0.isEmpty ? nil : $0 } ?? hostParam.flatMap { $0.hasPrefix("/") ? nil : $0 }
            ?? env["PGHOST"].flatMap { $0.hasPrefix("/") ? nil : $0 } ?? "localhost"
        if let p = c.port { port = p }
        else if let p = query["port"] ?? env["PGPORT"] {
            guard let n = Int(p), (1...65535).contains(n) else { throw Invalid(description: "端口号无效：\(p)") }
            port = n
        } else { port = 5432 }
        guard (1...65535).contains(port) else { throw Invalid(description: "端口号无效：\(port)") }
        user = c.user.flatMap { $0.isEmpty ? nil : $0 } ?? query["user"] ?? env["PGUSER"] ?? env["USER"] ?? "postgres"
        let path = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        database = path.isEmpty ? (query["dbname"] ?? env["PGDATABASE"] ?? user) : (path.removingPercentEncoding ?? path)
        let mode = query["sslmode"] ?? env["PGSSLMODE"] ?? "prefer"
        guard let m = SSLMode(rawValue: mode) else { throw Invalid(description: "sslmode 无效：\(mode)") }
        sslMode = m
        if let p = c.password { password = p }
        else if let p = query["password"] { password = p }
        else if let p = env["PGPASSWORD"] { password = p }
        else {
            let file = pgpassFile ?? env["PGPASSFILE"] ?? (NSHomeDirectory() as NSString).appendingPathComponent(".pgpass")
            password = PostgresURL.pgpass(file: file, host: socketDirectory ?? host, port: port, database: database, user: user)
        }
    }

    /// The first matching line of a libpq password file (`host:port:db:user:password`, `*` matches
    /// anything, `\:` and `\\` escape). Like libpq, a file others can read is ignored.
    static func pgpass(file: String, host: String, port: Int, database: String, user: String) -> String? {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: file),
              let perms = (attrs[.posixPermissions] as? NSNumber)?.intValue, perms & 0o077 == 0,
              let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        // A Unix socket connection matches the host field "localhost", as in libpq.
        let hosts: Set<String> = host.hasPrefix("/") ? [host, "localhost"] : [host]
        for line in text.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("#") { continue }
            let f = splitPgpass(String(line))
            guard f.count == 5 else { continue }
            func match(_ field: String, _ values: Set<String>) -> Bool { field == "*" || values.contains(field) }
            if match(f[0], hosts), match(f[1], [String(port)]), match(f[2], [database]), match(f[3], [user]) { return f[4] }
        }
        return nil
    }

    static func splitPgpass(_ line: String) -> [String] {
        var fields: [String] = [], cur = "", escaped = false
        for ch in line {
            if escaped { cur.append(ch); escaped = false; continue }
            if ch == "\\" { escaped = true; continue }
            if ch == ":" && fields.count < 4 { fields.append(cur); cur = ""; continue }
            cur.append(ch)
        }
        fields.append(cur)
        return fields
    }
}
