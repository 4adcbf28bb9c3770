import Foundation

/// Upper tails of the count distributions the detector tests against.
enum UpperTail {
    /// P(X ≥ k) for a gamma-Poisson (negative binomial) count: a Poisson count with exposure
    /// `exposure` whose rate has a Gamma(shape, rate) posterior. Mean = shape · exposure / rate.
    /// Summed upward from k, so tiny tails keep their precision (1 − CDF would not).
    static func negativeBinomial(atLeast k: Int, shape: Double, rate: Double, exposure: Double) -> Double {
        guard k > 0 else { return 1 }
        guard shape > 0, rate > 0, exposure > 0 else { return 0 }
        // X ~ NB(r = shape, q = exposure / (rate + exposure)), P(X = j) = C(j+r-1, j) (1-q)^r q^j.
        let q = exposure / (rate + exposure)
        let logQ = log(q), log1mQ = log1p(-q)
        func logPMF(_ j: Int) -> Double {
            let jd = Double(j)
            return lgamma(jd + shape) - lgamma(shape) - lgamma(jd + 1) + shape * log1mQ + jd * logQ
        }
        var term = exp(logPMF(k))
        var total = term
        var j = k
        // Terms shrink geometrically once j is past the mode; stop when they no longer matter.
        while j < k + 100_000 {
            let ratio = (Double(j) + shape) / Double(j + 1) * q
            term *= ratio
            j += 1
            total += term
            if term < total * 1e-12 && ratio < 1 { break }
            if term == 0 { break }
        }
        return min(1, total)
    }
}
