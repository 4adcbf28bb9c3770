/// Failures of the ticket store, as data; `message` is what a user reads.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case cannotOpen, notATicketStore, prepare, denied, timeout, cancelled, rowCap, step, write
    }
    public let code: Code
    public let message: String
    /// The SQL involved, if any. Parameters are never included (they may hold user text).
    public let sql: String?

    public init(_ code: Code, _ message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    public var description: String { message }
}
