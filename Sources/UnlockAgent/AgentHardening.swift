import Glibc

/// Process-wide protections for the agent: no core dumps, not dumpable (so same-uid processes cannot ptrace it or read
/// `/proc/PID/mem` without CAP_SYS_PTRACE).
package enum AgentHardening {
    /// Applies both; returns whether the process is now non-dumpable.
    @discardableResult
    package static func apply() -> Bool {
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &none)
        // prctl is variadic in C and not callable from Swift; on Linux's ABIs, integer arguments are passed the same
        // way to a variadic and a fixed-arity function, so the symbol can be called through a fixed-arity type.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "prctl") else { return false }
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        let prctl = unsafeBitCast(symbol, to: Prctl.self)
        let setDumpable: Int32 = 4, getDumpable: Int32 = 3
        _ = prctl(setDumpable, 0, 0, 0, 0)
        return prctl(getDumpable, 0, 0, 0, 0) == 0
    }
}
