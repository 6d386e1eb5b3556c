import Glibc

/// A source of time for timeouts and polling, in seconds from an arbitrary fixed point. Code that waits takes one as a
/// parameter with a real clock as the default, so a test can pass a clock it drives itself instead of sleeping.
package protocol Clock: Sendable {
    /// Seconds since the clock's fixed point; only differences mean anything.
    var now: Double { get }

    /// Waits about `seconds` (a fake clock just moves its time on).
    func sleep(seconds: Double)
}

extension Clock {
    /// Sleeps on the real monotonic clock, finishing the interval when a signal interrupts it.
    package func sleep(seconds: Double) {
        SystemClock.sleep(seconds: seconds)
    }
}

/// `CLOCK_MONOTONIC`: never jumps when the wall clock is set (NTP, an administrator), stops while the machine is
/// suspended. For timeouts of work in progress: a lock wait, a child process, a network request.
package struct MonotonicClock: Clock {
    /// The real monotonic clock.
    package init() {}

    /// Seconds on `CLOCK_MONOTONIC`.
    package var now: Double { SystemClock.seconds(CLOCK_MONOTONIC) }
}

/// `CLOCK_BOOTTIME`: monotonic like `MonotonicClock`, but keeps counting while the machine is suspended. For
/// deadlines that must expire in real elapsed time, such as how long an unlocked key may stay in memory.
package struct BootTimeClock: Clock {
    /// The real boot-time clock.
    package init() {}

    /// Seconds on `CLOCK_BOOTTIME`.
    package var now: Double { SystemClock.seconds(CLOCK_BOOTTIME) }
}

/// The two calls behind the real clocks.
enum SystemClock {
    static func seconds(_ id: clockid_t) -> Double {
        var time = timespec()
        clock_gettime(id, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1_000_000_000
    }

    static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        let whole = seconds.rounded(.down)
        var request = timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1_000_000_000))
        var remaining = timespec()
        // An interrupted sleep is resumed for what is left, so a signal never shortens a polling interval to zero.
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
