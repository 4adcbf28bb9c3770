extension Array {
    /// `count` copies of `value`, like `init(repeating:count:)`. That initialiser (and
    /// `init(unsafeUninitializedCapacity:…)`) is not specialised here: it looks up the
    /// array's storage type at run time, about a thousand instructions each time, a twelfth
    /// of parsing a question that makes a dozen such arrays. Growing an empty array with
    /// reserved room stays in specialised code. For long arrays made per question, copy a
    /// template instead (a copy is one memcpy).
    @inline(__always)
    static func filled(_ value: Element, count: Int) -> [Element] {
        var a: [Element] = []
        a.reserveCapacity(count)
        for _ in 0..<Swift.max(0, count) { a.append(value) }
        return a
    }
}
