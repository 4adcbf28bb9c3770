import Foundation

/// A ticket store the engine can ask: the SQLite file (`Database`) or a server database
/// (PostgreSQL, in the WenshuPostgres target, so this module needs no network stack).
/// Every implementation runs only generated, parameterised, read-only statements, under
/// the same row and time caps (`SQLPolicy`).
public protocol TicketStore: AnyObject, Sendable {
    /// How SQL is spelled for this store.
    var dialect: SQLDialect { get }
    /// Where the store is, for messages (never holds a password).
    var label: String { get }
    /// A string that changes whenever the store's data may have changed; the catalog
    /// cache is keyed by it. nil: do not cache.
    var catalogIdentity: String? { get }
    /// Runs one generated statement; stops at the row cap (`truncated`) and the time cap.
    func query(_ sql: String, _ params: [DBValue], rowCap: Int?) throws -> (columns: [String], rows: [[DBValue]], truncated: Bool)
    /// Stops the statement running now (Ctrl-C); safe from another thread.
    func interrupt()
    /// A second connection to the same store under `policy` (one per server worker).
    func reopen(policy: SQLPolicy) throws -> TicketStore
}

extension Database: TicketStore {
    public var dialect: SQLDialect { SQLiteDialect() }
    public var label: String { path }

    public var catalogIdentity: String? {
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: real),
              let size = attrs[.size] as? NSNumber, let mtime = attrs[.modificationDate] as? Date else { return nil }
        return "\(real)|\(size)|\(mtime.timeIntervalSince1970)"
    }

    public func reopen(policy: SQLPolicy) throws -> TicketStore { try Engine.open(path, policy: policy) }
}
