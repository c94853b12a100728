//! The course's terminal colours: yellow for producers, cyan for consumers, white for the app,
//! red for prompts.
//!
//! Print with [`cprintln!`](crate::cprintln) (stdout) or [`ceprintln!`](crate::ceprintln)
//! (stderr). They go through `anstream`, which removes the escape codes when the stream is not a
//! terminal (a pipe, a file, a test) and honours `NO_COLOR` and `CLICOLOR_FORCE`, so no program has
//! to check for itself.

use anstyle::{AnsiColor, Style};

/// Producers: "generated item" lines.
pub const PRODUCER: Style = AnsiColor::Yellow.on_default();
/// Consumers: "processed value" lines.
pub const CONSUMER: Style = AnsiColor::Cyan.on_default();
/// The application's own lines: start, exit, results.
pub const APP: Style = AnsiColor::White.on_default();
/// Prompts to the user ("Press enter to cancel...").
pub const PROMPT: Style = AnsiColor::Red.on_default();
/// Errors.
pub const ERROR: Style = AnsiColor::Red.on_default().bold();
/// Warnings (debug builds, degraded modes).
pub const WARN: Style = AnsiColor::Yellow.on_default().bold();
/// Success and summary lines.
pub const GOOD: Style = AnsiColor::Green.on_default();
/// Extra colours for programs that give each task its own colour.
pub const TASKS: [Style; 6] = [
    AnsiColor::Cyan.on_default(),
    AnsiColor::Red.on_default(),
    AnsiColor::Magenta.on_default(),
    AnsiColor::Green.on_default(),
    AnsiColor::Blue.on_default(),
    AnsiColor::Yellow.on_default(),
];

/// `println!` in a colour: `cprintln!(style::PRODUCER, " -- generated item {idx}")`.
#[macro_export]
macro_rules! cprintln {
    ($style:expr, $($arg:tt)*) => {{
        let style: $crate::__anstyle_reexport::Style = $style;
        $crate::__anstream::println!("{style}{}{style:#}", ::std::format_args!($($arg)*));
    }};
}

/// `eprintln!` in a colour.
#[macro_export]
macro_rules! ceprintln {
    ($style:expr, $($arg:tt)*) => {{
        let style: $crate::__anstyle_reexport::Style = $style;
        $crate::__anstream::eprintln!("{style}{}{style:#}", ::std::format_args!($($arg)*));
    }};
}
