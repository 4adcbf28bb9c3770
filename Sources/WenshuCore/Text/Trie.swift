/// A character trie over Unicode scalars, flat arrays for speed.
struct Trie: Sendable {
    private var children: [[UInt32: Int32]] = [[:]]
    private var terminal: [Bool] = [false]

    mutating func insert(_ word: String) {
        var node = 0
        for u in word.unicodeScalars {
            if let next = children[node][u.value] {
                node = Int(next)
            } else {
                children.append([:])
                terminal.append(false)
                let id = Int32(children.count - 1)
                children[node][u.value] = id
                node = Int(id)
            }
        }
        terminal[node] = true
    }

    /// Ends (exclusive) of every dictionary word that starts at `start`.
    func prefixEnds(_ text: [UInt32], from start: Int) -> [Int] {
        var node = 0
        var ends: [Int] = []
        var i = start
        while i < text.count, let next = children[node][text[i]] {
            node = Int(next)
            i += 1
            if terminal[node] { ends.append(i) }
        }
        return ends
    }
}
