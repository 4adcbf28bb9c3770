/// The contract's answer object (section 8), plus what \why and \sql show.
public struct Answer: Sendable {
    public enum Status: String, Sendable { case answered, clarify, unsupported, denied, error }

    public var id: String?
    public var question: String
    public var status: Status
    public var interpretation: String?
    public var timeRange: TimeRange?
    public var sql: String?
    /// What answered: `tickets` (the raw SQL above) or `rollup:<table>` of the analytics cache,
    /// which gives the same rows as that SQL.
    public var source: String?
    public var params: [DBValue] = []
    public var columns: [String] = []
    /// How each column is shown to people (JSON keeps full precision).
    public var kinds: [ColumnKind] = []
    public var rows: [[DBValue]] = []
    public var summary: String?
    public var message: String?
    public var suggestions: [String] = []
    /// Grammar rules and lexicon entries that built the reading.
    public var rules: [String] = []
    /// The lexicon entries behind the tokens, as text when asked for (\\why): formatting
    /// them for every answer cost more than the rest of reading the question.
    public var lexicon: [String] { lexiconSources.map(\.text) }
    public var lexiconSources: [LexiconSource] = []
    public var segmentation: String = ""
    public var plan: QueryPlan?
    /// The `now` the plan was compiled against (超期 compares with it), so that the statement
    /// the analytics cache ran can be shown again exactly (`\sql`).
    public var now: Now?
    public var truncated = false

    public init(question: String, status: Status) {
        self.question = question
        self.status = status
    }
}
