import Glibc

/// The clock the unlock agent times keys out by, in whole seconds from an arbitrary origin. Injectable, so tests of
/// timeouts advance a clock of their own instead of sleeping.
public protocol AgentClock: Sendable {
    /// Seconds since the clock's origin; never goes backwards.
    var now: Int64 { get }
}

/// Seconds on `CLOCK_BOOTTIME`, which keeps counting while the machine sleeps, so a timeout is wall-clock honest
/// after a laptop resumes and immune to clock changes. The agent's default clock.
public struct BootTimeClock: AgentClock {
    /// The boot-time clock.
    public init() {}

    /// Seconds since boot, suspended time included.
    public var now: Int64 {
        var time = timespec()
        clock_gettime(CLOCK_BOOTTIME, &time)
        return Int64(time.tv_sec)
    }
}
