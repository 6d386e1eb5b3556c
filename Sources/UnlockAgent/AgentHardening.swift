import SystemLayer

/// Process-wide protections for the agent: no core dumps, not dumpable (so same-uid processes cannot ptrace it or read
/// `/proc/PID/mem` without CAP_SYS_PTRACE).
public enum AgentHardening {
    /// Applies both (SystemLayer's `ProcessHardening.disableCoreDumps`); returns whether the process is now
    /// non-dumpable.
    @discardableResult
    public static func apply() -> Bool {
        ProcessHardening.disableCoreDumps()
    }
}
