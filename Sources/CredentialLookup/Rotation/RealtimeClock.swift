import FoundationEssentials
import Glibc
import SystemLayer

/// `CLOCK_REALTIME` as a `Clock` whose fixed point is the Unix epoch: key ages and MFA code windows are wall-clock
/// questions. Tests pass their own clock.
package struct RealtimeClock: Clock {
    /// The real wall clock.
    package init() {}

    /// Seconds since 1970-01-01T00:00:00Z.
    package var now: Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }
}

extension Clock {
    /// `now` as a date (meaningful for a clock whose fixed point is the Unix epoch, as `RealtimeClock`'s).
    var date: Date { Date(timeIntervalSince1970: now) }
}
