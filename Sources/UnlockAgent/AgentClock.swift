import SystemLayer

/// The clock the unlock agent times keys out by, in whole seconds from an arbitrary origin. Injectable, so tests of
/// timeouts advance a clock of their own instead of sleeping.
package protocol AgentClock: Sendable {
    /// Seconds since the clock's origin; never goes backwards.
    var now: Int64 { get }
}

/// Seconds on `CLOCK_BOOTTIME`, which keeps counting while the machine sleeps, so a timeout is wall-clock honest
/// after a laptop resumes and immune to clock changes. The agent's default clock.
package struct BootTimeClock: AgentClock {
    /// The boot-time clock.
    package init() {}

    /// Seconds since boot, suspended time included.
    package var now: Int64 {
        Int64(SystemLayer.BootTimeClock().now)
    }
}
