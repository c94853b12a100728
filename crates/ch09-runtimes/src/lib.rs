//! Chapter 9 of the course: trio and unsync, as Rust's async runtimes.
