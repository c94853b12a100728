//! Runs five tasks two ways and makes one fail: `gather`, which lets the other tasks run on, and a
//! task group, which cancels them.
//!
//! Ports: no course file: the learner notes on task groups replacing manual tracking and gather.
//!
//! Run: `cargo run -p ch04-asyncio --bin task_group`
//!
//! Copy: `cargo add tokio futures anstream anstyle --features tokio/rt-multi-thread,tokio/macros,tokio/time`
//!
//! Expect: (1) five jobs finish shortest first, results in job order after ~1 s, not the sum;
//! (2) gathered again with job 3 failing: gather returns at once, and the four others still finish
//! (`done`); (3) in a task group (`JoinSet`), job 3's failure cancels the others (`cancelled`).
//!
//! Python vs Rust: `try_join_all` on the handles is `gather`: dropping a `JoinHandle` detaches its
//! task. A `JoinSet` is `TaskGroup`: dropping it, or `abort_all`, cancels every task in it.

use std::future::Future;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::TimeScale;
use tokio::task::{AbortHandle, JoinHandle, JoinSet};

/// Jobs finishing (colorama's Fore.CYAN).
const DONE: Style = AnsiColor::Cyan.on_default();
/// Jobs cancelled or failing (Fore.YELLOW).
const TROUBLE: Style = AnsiColor::Yellow.on_default();

/// gather versus a task group (JoinSet) when one task fails.
#[derive(Parser, Debug)]
#[command(name = "task_group", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
}

/// Job n sleeps LENGTHS[n-1] seconds and returns n².
const LENGTHS: [f64; 5] = [0.8, 0.4, 1.0, 0.2, 0.6];

/// What a job gives back: its number and its value, or why it failed.
type Outcome = Result<(usize, u64), String>;

/// Prints a line when the job's future is dropped before it finished: that is cancellation.
struct CancelNotice {
    job: usize,
    finished: bool,
}

impl Drop for CancelNotice {
    fn drop(&mut self) {
        if !self.finished {
            anstream::println!("{TROUBLE}  job {} cancelled{TROUBLE:#}", self.job);
        }
    }
}

/// Job `n`: sleeps its length (in `second`s) and returns n², or with `fail` fails after a tenth
/// of a `second`.
async fn job(n: usize, second: Duration, fail: bool) -> Outcome {
    let mut notice = CancelNotice {
        job: n,
        finished: false,
    };
    if fail {
        tokio::time::sleep(second / 10).await;
        notice.finished = true;
        return Err(format!("job {n} failed on purpose"));
    }
    tokio::time::sleep(second.mul_f64(LENGTHS[n - 1])).await;
    notice.finished = true;
    let value = (n * n) as u64;
    anstream::println!("{DONE}  job {n} done -> {value}{DONE:#}");
    Ok((n, value))
}

/// `asyncio.gather(*tasks)`: every result in task order, or the first failure as soon as it
/// happens. It cancels nothing.
async fn gather(tasks: Vec<JoinHandle<Outcome>>) -> Result<Vec<u64>, String> {
    // try_join_all returns at the first Err and drops the other handles; dropping a tokio
    // JoinHandle detaches its task, which keeps running: exactly what gather's siblings do.
    let results = futures::future::try_join_all(
        tasks
            .into_iter()
            .map(|task| async { task.await.map_err(|e| format!("a job panicked: {e}"))? }),
    )
    .await?;
    Ok(results.into_iter().map(|(_, value)| value).collect())
}

/// `async with asyncio.TaskGroup()`: the jobs run in one JoinSet; the first failure cancels the
/// others, waits until they have stopped, and is returned. Otherwise the results in job order.
async fn task_group<F>(jobs: Vec<F>) -> Result<Vec<u64>, String>
where
    F: Future<Output = Outcome> + Send + 'static,
{
    let mut group = JoinSet::new();
    let mut results = vec![0; jobs.len()];
    for job in jobs {
        group.spawn(job);
    }
    // join_next gives tasks back in the order they finish, not the order they were spawned.
    while let Some(joined) = group.join_next().await {
        match joined {
            Ok(Ok((n, value))) => results[n - 1] = value,
            Ok(Err(err)) => {
                anstream::println!(
                    "{TROUBLE}  {err}: cancelling the {} still running{TROUBLE:#}",
                    group.len()
                );
                // Ask every remaining task to stop, then wait until they have (like TaskGroup).
                group.abort_all();
                while group.join_next().await.is_some() {}
                return Err(err);
            }
            Err(join_error) => return Err(format!("a job panicked: {join_error}")),
        }
    }
    Ok(results)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let second = args.time.secs(1.0);
    // The five jobs, job `fail` failing; nothing runs until they are spawned.
    let jobs = |fail: Option<usize>| {
        (1..=LENGTHS.len())
            .map(move |n| job(n, second, Some(n) == fail))
            .collect::<Vec<_>>()
    };

    let t0 = Instant::now();
    println!("1. gather {} tasks, all succeed:", LENGTHS.len());
    let tasks = jobs(None).into_iter().map(tokio::spawn).collect();
    match gather(tasks).await {
        Ok(results) => println!(
            "   results in job order (like gather): {results:?}, after {:.2} sec (sum of the jobs: {:.2} sec)",
            t0.elapsed().as_secs_f64(),
            second.mul_f64(LENGTHS.iter().sum()).as_secs_f64()
        ),
        Err(err) => println!("   gather failed: {err}"),
    }

    println!("2. gather the same tasks, but job 3 fails:");
    let tasks: Vec<_> = jobs(Some(3)).into_iter().map(tokio::spawn).collect();
    // Only to watch them afterwards: gather takes the handles themselves.
    let watch: Vec<AbortHandle> = tasks.iter().map(JoinHandle::abort_handle).collect();
    match gather(tasks).await {
        Ok(results) => println!("   gather returned {results:?}"),
        Err(err) => println!(
            "   gather returned at once with: {err}; still running: {}",
            watch.iter().filter(|t| !t.is_finished()).count()
        ),
    }
    // Nothing cancelled them: they finish on their own.
    while watch.iter().any(|t| !t.is_finished()) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    println!("   gather cancelled nothing: every other job ran to its end");

    println!("3. the same jobs in a task group (JoinSet), and job 3 fails:");
    match task_group(jobs(Some(3))).await {
        Ok(results) => println!("   the group returned {results:?}"),
        Err(err) => println!("   the group ended with: {err}"),
    }
}
