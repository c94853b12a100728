//! The colours course-kit itself prints in: errors and warnings. (The programs name the course's
//! colours themselves, with `anstyle` and `anstream`, so that their lines paste into any project.)

use anstyle::{AnsiColor, Style};

/// Errors.
pub const ERROR: Style = AnsiColor::Red.on_default().bold();
/// Warnings (debug builds, degraded modes, Ctrl-C).
pub const WARN: Style = AnsiColor::Yellow.on_default().bold();
