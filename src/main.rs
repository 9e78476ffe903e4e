//! The `stance` command line: everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    // Training's optimiser allocates vectors of megabytes at every step; by default glibc
    // maps and unmaps each one (a page fault per page, every time). Keep them in the heap.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
    stance::cli::run()
}
