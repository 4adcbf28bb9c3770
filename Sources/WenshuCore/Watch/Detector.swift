import Foundation

/// Finds local spikes: a street or community whose tickets of one subcategory jump far
/// above what its usual share of that subcategory predicts.
///
/// Method (per place × subcategory series, per day t, per window of the last k days):
/// - Expected = the place's share × the subcategory's city-wide tickets on the same days
///   (minus the place's own). Conditioning on the same days' city total carries weekdays,
///   holidays, seasons and growth, so the baseline needs no calendar model.
/// - The share is learnt over `baselineDays` ending `guardDays` before t (so an ongoing
///   incident does not hide itself), shrunk towards the place's share of *all* tickets
///   (a gamma prior worth `priorTickets` tickets): a sparse series borrows the stable
///   volume of its place.
/// - The gamma posterior of the share makes the window count negative binomial; a warning
///   needs its upper tail ≤ `alpha`, at least `minCount` tickets, `minExcess` above
///   expected and `minRatio` times expected (so 1 → 3 tickets never fires).
/// - Firing days of one series less than `maxGap` days apart are one episode; its
///   first_day is the day it first fired, its count runs from the start of that window.
public struct Detector: Sendable {
    public struct Parameters: Sendable, Hashable {
        public var windows = 3
        public var baselineDays = 56
        public var guardDays = 7
        public var minBaselineDays = 14
        public var priorTickets = 5.0
        public var alpha = 1e-7
        public var minCount = 4
        public var minExcess = 3.0
        public var minRatio = 3.0
        public var maxGap = 3
        /// A community episode stands for its street's when it holds this share of the street's tickets.
        public var communityShare = 0.6

        public init() {}

        /// Sets one parameter by name (tuning runs); false when the name or value is bad.
        public mutating func set(_ name: String, _ value: String) -> Bool {
            guard let v = Double(value), v.isFinite, v >= 0, v <= 10_000 else { return false }
            let i = Int(v)
            switch name {
            case "windows": guard i >= 1, i <= 14 else { return false }; windows = i
            case "baselineDays": guard i >= 7, i <= 365 else { return false }; baselineDays = i
            case "guardDays": guard i <= 60 else { return false }; guardDays = i
            case "minBaselineDays": guard i >= 1, i <= 365 else { return false }; minBaselineDays = i
            case "priorTickets": guard v > 0 else { return false }; priorTickets = v
            case "alpha": guard v > 0, v < 1 else { return false }; alpha = v
            case "minCount": minCount = max(1, i)
            case "minExcess": minExcess = v
            case "minRatio": minRatio = v
            case "maxGap": guard i >= 1, i <= 30 else { return false }; maxGap = i
            case "communityShare": guard v <= 1 else { return false }; communityShare = v
            default: return false
            }
            return true
        }
    }

    /// One series that fired over a run of days.
    public struct Episode: Sendable, Hashable {
        public let place: WatchPlace
        public let subcategory: String
        /// First day of the window that first fired (when the excess began).
        public let since: Day
        public let firstDay: Day
        public let lastDay: Day
        public let count: Int
        public let expected: Double
        /// The smallest tail probability seen over the episode.
        public let pValue: Double
    }

    public var parameters: Parameters

    public init(parameters: Parameters = Parameters()) { self.parameters = parameters }

    /// How many days of data before the first evaluated day the test needs.
    public var lookback: Int { parameters.baselineDays + max(parameters.guardDays, parameters.windows) }

    struct Test {
        let count: Int
        let expectedPerExposure: Double
        let exposure: Double
        let window: Int
        let p: Double
    }

    /// The best-supported window ending on day t, when it fires.
    func test(_ counts: DailyCounts, _ key: DailyCounts.SeriesKey, _ s: SparseSeries, day t: Int) -> Test? {
        let p = parameters
        let bEnd = t + 1 - max(p.guardDays, p.windows)
        let bStart = max(0, bEnd - p.baselineDays)
        guard bEnd - bStart >= p.minBaselineDays else { return nil }
        let cityAll = DailyCounts.sum(counts.cityTotal, bStart, bEnd)
        let placeAll = DailyCounts.sum(counts.placeTotal[key.place], bStart, bEnd)
        guard cityAll > 0 else { return nil }
        let prior = max(Double(placeAll), 0.5) / Double(cityAll)
        let own = s.sum(bStart, bEnd)
        let others = DailyCounts.sum(counts.subTotal[key.sub], bStart, bEnd) - own
        let shape = p.priorTickets + Double(own)
        let rate = p.priorTickets / prior + Double(max(0, others))
        var best: Test?
        for k in 1...p.windows where t + 1 - k >= 0 {
            let o = s.sum(t + 1 - k, t + 1)
            guard o >= p.minCount else { continue }
            let exposure = Double(DailyCounts.sum(counts.subTotal[key.sub], t + 1 - k, t + 1) - o)
            let mean = shape * exposure / rate
            guard Double(o) - mean >= p.minExcess, Double(o) >= p.minRatio * mean else { continue }
            let tail = exposure > 0 ? UpperTail.negativeBinomial(atLeast: o, shape: shape, rate: rate, exposure: exposure) : 0
            guard tail <= p.alpha else { continue }
            if best == nil || tail < best!.p { best = Test(count: o, expectedPerExposure: shape / rate, exposure: exposure, window: k, p: tail) }
        }
        return best
    }

    /// Episodes of every series that fire on some day in [from, to] (day indices of `counts`).
    public func episodes(_ counts: DailyCounts, from: Int, to: Int) -> [Episode] {
        var out: [Episode] = []
        let w = parameters.windows
        for (key, s) in counts.series {
            // Only days whose window holds a ticket can fire.
            var candidates: [Int] = []
            var last = Int.min
            for d in s.days where d + w - 1 >= from && d <= to {
                for t in d..<(d + w) where t > last && t >= from && t <= to {
                    candidates.append(t)
                    last = t
                }
            }
            var open: (since: Int, first: Int, last: Int, rate: Double, p: Double)?
            func close() {
                guard let e = open else { return }
                let count = s.sum(e.since, e.last + 1)
                let exposure = Double(DailyCounts.sum(counts.subTotal[key.sub], e.since, e.last + 1) - count)
                out.append(Episode(place: counts.places[key.place], subcategory: counts.subcategories[key.sub],
                                   since: counts.day(e.since), firstDay: counts.day(e.first), lastDay: counts.day(e.last),
                                   count: count, expected: max(0, e.rate * exposure), pValue: e.p))
                open = nil
            }
            for t in candidates {
                guard let r = test(counts, key, s, day: t) else { continue }
                if var e = open, t - e.last <= parameters.maxGap {
                    e.last = t
                    e.p = min(e.p, r.p)
                    open = e
                } else {
                    close()
                    open = (t + 1 - r.window, t, t, r.expectedPerExposure, r.p)
                }
            }
            close()
        }
        return out
    }
}
