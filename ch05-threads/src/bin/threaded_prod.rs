//! `sync_prod`'s producers and consumer, each on its own thread, sharing one list; Enter cancels.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/05-threads/basic_threads/threaded_prod.py>
//!
//! Run: `cargo run -p ch05-threads --bin threaded_prod`
//!
//! Copy: `cargo add anstream anstyle rand@0.9` (in rand 0.10 `random_range` is on `RngExt`)
//!
//! Expect: a red `Press enter to cancel...`, then generated and processed lines interleaved; ~20 s
//! instead of 60 s (`--time-scale 0.01`: 0.2 s). Enter prints `Cancelling on your request!`.
//!
//! Python vs Rust: the list needs a `Mutex`, where Python leans on the GIL. Cancelling is the
//! course's: main stops waiting and returns, which ends the process and its threads (every Rust
//! thread is a "daemon", see `hello`; `cooperative_stop` asks them to stop instead). At end-of-file
//! on stdin (`< /dev/null`) Python cancels at once; this runs to the end.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Style};
use clap::Parser;
use course_kit::cli::{Seed, TimeScale};
use rand::Rng;

const PRODUCER: Style = AnsiColor::Yellow.on_default(); // the course's colorama colours
const CONSUMER: Style = AnsiColor::Cyan.on_default();
const PROMPT: Style = AnsiColor::Red.on_default();

/// Two producers and a consumer on three threads; press Enter to cancel.
#[derive(Parser, Debug)]
#[command(name = "threaded_prod", version, long_about = None)]
struct Args {
    #[command(flatten)]
    time: TimeScale,
    #[command(flatten)]
    seed: Seed,
    /// How many items each producer makes (the consumer processes twice as many)
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=100))]
    items: u64,
}

/// An item carries when it was made, so the consumer can say how long it waited.
type Item = (u64, Instant);

fn main() {
    course_kit::exit::quiet_broken_pipe();
    let args = Args::parse();
    let (items, second) = (args.items, args.time.secs(1.0));
    let seed = args.seed.value();
    let (mut rng1, mut rng2) = (Seed::rng_for(seed, 0), Seed::rng_for(seed, 1));
    let t0 = Instant::now();
    println!("App started.");
    // One list for three threads: `Arc` makes each an owner, `Mutex` lets one in at a time.
    let data = Arc::new(Mutex::new(VecDeque::new()));

    let (data1, data2) = (Arc::clone(&data), Arc::clone(&data));
    let abort_thread = thread::spawn(check_cancel);
    let threads = [
        thread::spawn(move || generate_data(items, &data1, &mut rng1, second)),
        thread::spawn(move || generate_data(items, &data2, &mut rng2, second)),
        thread::spawn(move || process_data(2 * items, &data, second)),
    ];

    // The course's loop of `join(0.001)`s: look at the threads every millisecond.
    while threads.iter().any(|t| !t.is_finished()) {
        thread::sleep(Duration::from_millis(1));
        if abort_thread.is_finished() {
            println!("Cancelling on your request!");
            break;
        }
    }

    let dt = t0.elapsed().as_secs_f64();
    println!("App exiting, total time: {dt:.2} sec.");
} // returning from main ends the process, and any thread still running with it.

/// The course's fourth thread: it ends when a line is read, which means "cancel".
fn check_cancel() {
    anstream::println!("{PROMPT}Press enter to cancel...{PROMPT:#}");
    // At end-of-file (no terminal: CI, `< /dev/null`) nobody can press Enter: stay alive.
    if io::stdin().read_line(&mut String::new()).unwrap_or(0) == 0 {
        loop {
            thread::park();
        }
    }
}

fn generate_data(num: u64, data: &Mutex<VecDeque<Item>>, rng: &mut impl Rng, second: Duration) {
    for idx in 1..=num {
        let item = idx * idx;
        data.lock().unwrap().push_back((item, Instant::now()));

        anstream::println!("{PRODUCER} -- generated item {idx}{PRODUCER:#}");
        thread::sleep(second.mul_f64(rng.random_range(0.5..1.5)));
    }
}

fn process_data(num: u64, data: &Mutex<VecDeque<Item>>, second: Duration) {
    let mut processed = 0;
    while processed < num {
        // The guard lives for this statement only, so the producers are not locked out
        // while the consumer sleeps.
        let Some((value, t)) = data.lock().unwrap().pop_front() else {
            thread::sleep(second / 100); // the next item may not be made yet: poll
            continue;
        };

        processed += 1;
        let dt = t.elapsed().as_secs_f64();
        anstream::println!("{CONSUMER} +++ Processed value {value} after {dt:.2} sec.{CONSUMER:#}");
        thread::sleep(second / 2);
    }
}
