/// A character trie over Unicode scalars. Edges live in one open-addressing table keyed by
/// (node, scalar) with a multiplicative hash: a Dictionary per node hashed every step with
/// SipHash, the larger part of segmenting a question.
struct Trie: Sendable {
    /// Edge table: key = node << 21 | scalar (scalars are below 2^21), value = child node,
    /// side by side so a probe touches one cache line.
    private var slots: [(key: UInt64, value: Int32)] = []
    private var mask = 0
    private var edges = 0
    private(set) var terminal: [Bool] = [false]

    init() { resize(1 << 10) }

    private static let empty = UInt64.max

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    private mutating func resize(_ capacity: Int) {
        let old = slots
        slots = Array(repeating: (Trie.empty, -1), count: capacity)
        mask = capacity - 1
        for (k, v) in old where k != Trie.empty { place(k, v) }
    }

    private mutating func place(_ key: UInt64, _ value: Int32) {
        var i = Trie.slot(key, mask)
        while slots[i].key != Trie.empty { i = (i + 1) & mask }
        slots[i] = (key, value)
    }

    /// The child of `node` along scalar `u`, or -1.
    @inline(__always)
    func child(_ node: Int, _ u: UInt32) -> Int {
        let key = UInt64(node) << 21 | UInt64(u & 0x1F_FFFF)
        var i = Trie.slot(key, mask)
        while true {
            let e = slots[i]
            if e.key == key { return Int(e.value) }
            if e.key == Trie.empty { return -1 }
            i = (i + 1) & mask
        }
    }

    mutating func insert(_ word: String) {
        var node = 0
        for u in word.unicodeScalars {
            let next = child(node, u.value)
            if next >= 0 { node = next; continue }
            if (edges + 1) * 2 > slots.count { resize(slots.count * 2) }
            let id = terminal.count
            terminal.append(false)
            place(UInt64(node) << 21 | UInt64(u.value), Int32(id))
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
