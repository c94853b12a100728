//! Writes three files concurrently with `tokio::fs`, reads them back concurrently, checks them
//! and removes them: the analogue of the `aiofiles` package.
//!
//! Ports: no course file: the learner notes on async file access (aiofiles).
//!
//! Run: `cargo run -p ch04-asyncio --bin async_files -- --dir /tmp`
//!
//! Copy: `cargo add tokio anyhow num-format anstream anstyle --features tokio/rt,tokio/macros,tokio/fs,tokio/io-util`
//!
//! Expect: `Writing 3 files in DIR`, a line per file written, `Reading them back`, a line per file
//! with `contents OK`, then `Removed the 3 files.`; a bad `--dir` gets one `error:` line, exit 1.
//!
//! Python vs Rust: like aiofiles, `tokio::fs` runs each blocking `std::fs` call on a background
//! thread: the loop stays responsive, one file gets no faster. Buffer writes (`BufWriter`): each
//! small unbuffered write would be its own trip to that thread.

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
#[command(version, long_about = None)]
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
    let paths: Vec<PathBuf> = (1..=FILES)
        .map(|n| dir.join(format!("async_files-{}-{n}.txt", std::process::id())))
        .collect();

    let result = write_and_check(&dir, &paths, args.lines).await;
    // Clean up even after a failure; files that were never created are not an error.
    let mut removed = 0;
    for path in &paths {
        if tokio::fs::remove_file(path).await.is_ok() {
            removed += 1;
        }
    }
    result?;
    println!("Removed the {removed} files.");
    Ok(ExitCode::SUCCESS)
}

async fn write_and_check(dir: &Path, paths: &[PathBuf], lines: u64) -> Result<()> {
    println!("Writing {} files in {}", paths.len(), dir.display());
    let mut writers = JoinSet::new();
    for (path, n) in paths.iter().zip(1..) {
        writers.spawn(write_file(path.clone(), n, lines));
    }
    while let Some(done) = writers.join_next().await {
        let (path, bytes) = done??;
        anstream::println!(
            "{WRITER}  wrote {} ({} lines, {} bytes){WRITER:#}",
            path.display(),
            lines.to_formatted_string(&Locale::en),
            bytes.to_formatted_string(&Locale::en)
        );
    }

    println!("Reading them back");
    let mut readers = JoinSet::new();
    for (path, n) in paths.iter().zip(1..) {
        readers.spawn(check_file(path.clone(), n, lines));
    }
    while let Some(done) = readers.join_next().await {
        let (path, count, bytes) = done??;
        anstream::println!(
            "{READER}  read {}: {} lines, {} bytes, contents OK{READER:#}",
            path.display(),
            count.to_formatted_string(&Locale::en),
            bytes.to_formatted_string(&Locale::en)
        );
    }
    Ok(())
}
