/// A problem in a data file (grammar, lexicon, patterns), reported with file and line.
public struct GrammarError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}
