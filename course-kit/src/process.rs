//! Small facts about the running process that several programs report.

use std::any::Any;

/// The message of a caught panic (`std::thread::JoinHandle::join`'s or `catch_unwind`'s `Err`):
/// panics carry a `&str` or a `String`, or, rarely, something else.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".to_owned()
    }
}

/// This process's peak resident memory in kB (`VmHWM` in `/proc/self/status`); `None` where there
/// is no `/proc` (not Linux).
pub fn peak_memory_kb() -> Option<u64> {
    read_status_number("/proc/self/status", "VmHWM")
}

/// Another process's peak resident memory in kB, by its PID (a worker process, read by its
/// parent); `None` when it has ended or there is no `/proc`.
pub fn peak_memory_kb_of(pid: u32) -> Option<u64> {
    status_number(pid, "VmHWM")
}

/// A number from another process's `/proc/<pid>/status`, by its key: `Threads`, or a memory
/// figure in kB (`VmHWM`, `VmRSS`); `None` when it has ended, has no such line, or there is no
/// `/proc`.
pub fn status_number(pid: u32, key: &str) -> Option<u64> {
    read_status_number(&format!("/proc/{pid}/status"), key)
}

fn read_status_number(status_file: &str, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(status_file).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// The CPU's model name from `/proc/cpuinfo` (`AMD EPYC`), for a benchmark's heading: a figure
/// names the CPU it was measured on. `None` where there is no `/proc` (not Linux).
pub fn cpu_name() -> Option<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let model = cpuinfo.lines().find_map(|l| l.strip_prefix("model name"))?;
    Some(
        model
            .trim_start_matches([' ', '\t', ':'])
            .trim_end()
            .to_owned(),
    )
}

/// A memory figure in kB as `2.8 MB` (MB of 1,024 kB, as `ps` and `top` count), or `n/a` when it is unknown.
pub fn megabytes(kb: Option<u64>) -> String {
    kb.map_or_else(
        || "n/a".to_owned(),
        |kb| format!("{:.1} MB", kb as f64 / 1024.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    fn cpu_name_is_the_model_alone() {
        let name = cpu_name().expect("x86 Linux names its CPU");
        assert!(
            !name.is_empty() && name.trim() == name && !name.contains(':'),
            "{name:?}"
        );
    }

    #[test]
    fn panic_payloads_become_text() {
        let caught = std::panic::catch_unwind(|| panic!("boom {}", 7)).unwrap_err();
        assert_eq!(panic_message(&*caught), "boom 7");
        let caught = std::panic::catch_unwind(|| std::panic::panic_any(3_u8)).unwrap_err();
        assert_eq!(panic_message(&*caught), "a panic with a non-text payload");
    }

    #[test]
    fn memory_formats() {
        assert_eq!(megabytes(Some(2048)), "2.0 MB");
        assert_eq!(megabytes(None), "n/a");
        #[cfg(target_os = "linux")]
        {
            assert!(peak_memory_kb().is_some_and(|kb| kb > 100));
            assert_eq!(
                peak_memory_kb_of(std::process::id()).map(|kb| kb > 100),
                Some(true)
            );
            assert_eq!(peak_memory_kb_of(u32::MAX), None);
        }
    }
}
