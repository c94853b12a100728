//! Writes three files concurrently with `tokio::fs`, reads them back concurrently, checks them
//! and removes them: the analogue of the `aiofiles` package.
//!
//! Ports: no course file: the learner notes on async file access (aiofiles).
//!
//! Run: `cargo run -p ch04-asyncio --bin async_files -- --dir /tmp`
//!
//! Copy: `cargo add tokio anyhow num-format anstream anstyle --features tokio/rt-multi-thread,tokio/macros,tokio/fs,tokio/io-util,tokio/signal`
//!
//! Expect: `Writing 3 files in DIR`, a line per file, `Reading them back`, a line per file with
//! `contents OK`, `Removed the 3 files.` (removed however it ends: an error, Ctrl-C, `| head`).
//!
//! Python vs Rust: like aiofiles, `tokio::fs` runs each blocking `std::fs` call on a background
//! thread: the loop stays responsive, one file gets no faster. Buffer writes (`BufWriter`): each
//! small unbuffered write would be its own trip to that thread.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use anyhow::{Context, Result, bail};
use clap::Parser;
use num_format::{Locale, ToFormattedString};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::task::JoinSet;

/// Async file I/O with tokio::fs.
#[derive(Parser, Debug)]
#[command(name = "async_files", version, long_about = None)]
struct Args {
    /// Directory for the temporary files [default: the system's temporary directory]
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Lines written to each file
    #[arg(long, value_name = "N", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    lines: u64,
}

/// Writers (colorama's Fore.YELLOW).
const WRITER: Style = AnsiColor::Yellow.on_default();
/// Readers (Fore.CYAN).
const READER: Style = AnsiColor::Cyan.on_default();

const FILES: u64 = 3;

fn line(file: u64, i: u64) -> String {
    format!("file {file}, line {i}: async file I/O runs on tokio's blocking threads\n")
}

async fn write_file(path: PathBuf, file: u64, lines: u64) -> Result<(PathBuf, u64)> {
    let f = tokio::fs::File::create(&path)
        .await
        .with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::new(f);
    let mut bytes = 0;
    for i in 1..=lines {
        let text = line(file, i);
        bytes += text.len() as u64;
        out.write_all(text.as_bytes()).await?;
    }
    // An async writer must be flushed explicitly: there is no async drop to do it for us.
    out.flush().await?;
    Ok((path, bytes))
}

async fn check_file(path: PathBuf, file: u64, lines: u64) -> Result<(PathBuf, u64, u64)> {
    let f = tokio::fs::File::open(&path)
        .await
        .with_context(|| format!("cannot open {}", path.display()))?;
    let mut reader = BufReader::new(f).lines();
    let (mut count, mut bytes) = (0, 0);
    while let Some(text) = reader.next_line().await? {
        count += 1;
        bytes += text.len() as u64 + 1;
        if format!("{text}\n") != line(file, count) {
            bail!("{}: line {count} is not what was written", path.display());
        }
    }
    if count != lines {
        bail!("{}: {count} lines, expected {lines}", path.display());
    }
    Ok((path, count, bytes))
}

/// The temporary files, removed when this is dropped: after success, an error, or Ctrl-C.
#[derive(Debug)]
struct TempFiles(Vec<PathBuf>);

impl Drop for TempFiles {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path); // one never created is not an error
        }
    }
}

fn main() -> ExitCode {
    course_kit::exit::quiet_broken_pipe();
    course_kit::exit::report(run())
}

#[tokio::main(flavor = "current_thread")]
async fn run() -> Result<ExitCode> {
    let args = Args::parse();
    let dir = args.dir.unwrap_or_else(std::env::temp_dir);
    if !tokio::fs::metadata(&dir).await.is_ok_and(|m| m.is_dir()) {
        bail!("--dir {}: not an existing directory", dir.display());
    }
    let files = TempFiles(
        (1..=FILES)
            .map(|n| dir.join(format!("async_files-{}-{n}.txt", std::process::id())))
            .collect(),
    );

    // Ctrl-C would end the process before any destructor ran: here it ends the work instead, and
    // `files` is dropped on the way out.
    tokio::select! {
        done = write_and_check(&dir, &files.0, args.lines) => done?,
        _ = tokio::signal::ctrl_c() => {
            drop(files);
            course_kit::interrupt::announce();
            return Ok(course_kit::interrupt::exit_code());
        }
    }
    let count = files.0.len();
    drop(files);
    writeln!(anstream::stdout(), "Removed the {count} files.")?;
    Ok(ExitCode::SUCCESS)
}

// `writeln!` rather than `println!`, which would panic when stdout fails (`| head` closed it):
// an error returned here still lets `run` remove the files.
async fn write_and_check(dir: &Path, paths: &[PathBuf], lines: u64) -> Result<()> {
    let mut out = anstream::stdout();
    writeln!(out, "Writing {} files in {}", paths.len(), dir.display())?;
    let mut writers = JoinSet::new();
    for (path, n) in paths.iter().zip(1..) {
        writers.spawn(write_file(path.clone(), n, lines));
    }
    while let Some(done) = writers.join_next().await {
        let (path, bytes) = done??;
        writeln!(
            out,
            "{WRITER}  wrote {} ({} lines, {} bytes){WRITER:#}",
            path.display(),
            lines.to_formatted_string(&Locale::en),
            bytes.to_formatted_string(&Locale::en)
        )?;
    }

    writeln!(out, "Reading them back")?;
    let mut readers = JoinSet::new();
    for (path, n) in paths.iter().zip(1..) {
        readers.spawn(check_file(path.clone(), n, lines));
    }
    while let Some(done) = readers.join_next().await {
        let (path, count, bytes) = done??;
        writeln!(
            out,
            "{READER}  read {}: {} lines, {} bytes, contents OK{READER:#}",
            path.display(),
            count.to_formatted_string(&Locale::en),
            bytes.to_formatted_string(&Locale::en)
        )?;
    }
    Ok(())
}
