/// A problem that stops an import before anything is written: a mapping that does not
/// parse, a file that cannot be read, a sheet with no recognisable header.
public struct ImportError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        case mapping, input, store
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// The process exit code: 2 for a bad mapping, 3 for an unreadable or malformed input
    /// file, 4 for a store that cannot be written.
    public var exitCode: Int32 {
        switch kind {
        case .mapping: return 2
        case .input: return 3
        case .store: return 4
        }
    }
}
