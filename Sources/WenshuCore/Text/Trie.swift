/// A character trie over Unicode scalars. Edges live in one open-addressing table keyed by
/// (node, scalar) with a multiplicative hash: a Dictionary per node hashed every step with
/// SipHash, the larger part of segmenting a question.
struct Trie: Sendable {
    /// Edge table: each slot one word, parent node << 42 | scalar << 21 | child node (nodes
    /// and scalars below 2^21), so a probe reads 8 bytes and the table is half the size it
    /// was with key and value side by side: questions walk it at every character, and it
    /// is the parser's one large random-access table.
    private var slots: [UInt64] = []
    private var mask = 0
    private var edges = 0
    private(set) var terminal: [Bool] = [false]

    /// The most nodes a trie holds; words past it are left out (a place never recognised is
    /// asked about, never answered wrongly). A real city's lexicon has a few hundred thousand.
    static let maxNodes = 1 << 21 - 1

    init() { resize(1 << 10) }

    private static let empty = UInt64.max
    private static let childMask: UInt64 = (1 << 21) - 1

    @inline(__always)
    private static func key(_ node: Int, _ u: UInt32) -> UInt64 { UInt64(node) << 42 | UInt64(u & 0x1F_FFFF) << 21 }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    private mutating func resize(_ capacity: Int) {
        let old = slots
        slots = Array(repeating: Trie.empty, count: capacity)
        mask = capacity - 1
        for e in old where e != Trie.empty { place(e) }
    }

    private mutating func place(_ entry: UInt64) {
        var i = Trie.slot(entry & ~Trie.childMask, mask)
        while slots[i] != Trie.empty { i = (i + 1) & mask }
        slots[i] = entry
    }

    /// The child of `node` along scalar `u`, or -1.
    @inline(__always)
    func child(_ node: Int, _ u: UInt32) -> Int {
        let key = Trie.key(node, u)
        var i = Trie.slot(key, mask)
        while true {
            let e = slots[i]
            if e & ~Trie.childMask == key { return Int(truncatingIfNeeded: e & Trie.childMask) }
            if e == Trie.empty { return -1 }
            i = (i + 1) & mask
        }
    }

    mutating func insert(_ word: String) {
        // Nodes a word needs beyond its path so far: never more than its length.
        guard terminal.count + word.unicodeScalars.count <= Trie.maxNodes else { return }
        var node = 0
        for u in word.unicodeScalars {
            let next = child(node, u.value)
            if next >= 0 { node = next; continue }
            if (edges + 1) * 2 > slots.count { resize(slots.count * 2) }
            let id = terminal.count
            terminal.append(false)
            place(Trie.key(node, u.value) | UInt64(id))
            edges += 1
            node = id
        }
        terminal[node] = true
    }

    /// The node a whole word ends at (nil: not a path of the trie).
    func node(of word: String) -> Int? {
        var node = 0
        for u in word.unicodeScalars {
            node = child(node, u.value)
            if node < 0 { return nil }
        }
        return node
    }
}
