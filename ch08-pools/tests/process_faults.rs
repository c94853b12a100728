//! The process pool checked on the executors themselves: each worker process has its name, and
//! a task that panics or aborts in a worker process costs that one task, while an abort on a pool
//! thread ends the whole process it shares with the others.
//!
//! `harness = false`: a worker process runs this same test executable, so `procspawn::init()`
//! must be the first line of its `main`, which libtest's generated `main` would not allow.

use std::collections::HashMap;

use ch08_pools::executor::{
    self, Executor, Process, ProcessPoolExecutor, TaskError, TaskFuture, ThreadPoolExecutor,
};

fn tens(x: u64) -> u64 {
    x * 10
}

fn crash_some(x: u64) -> u64 {
    match x {
        2 => panic!("task {x} panics on purpose"),
        // What a segfault in C code or an out-of-memory kill looks like from outside.
        4 => std::process::abort(),
        _ => x * 10,
    }
}

fn abort(_: ()) -> u64 {
    std::process::abort()
}

/// A thread pool in a process of its own: one task aborts, another would have finished fine.
fn thread_pool_with_an_abort(_: ()) -> u64 {
    let executor = ThreadPoolExecutor::new(2).expect("start two threads");
    let _doomed = executor.submit(abort, ());
    let fine = executor.submit(tens, 4);
    executor.shutdown();
    fine.result().unwrap_or(0)
}

fn who(_: ()) -> Process {
    std::thread::sleep(std::time::Duration::from_millis(50));
    executor::current_process()
}

/// Python's `ForkProcess-1`, `ForkProcess-2`: one name per worker process, kept for its life.
fn each_worker_process_has_its_name() {
    let executor = ProcessPoolExecutor::new(2).expect("start two worker processes");
    let work: Vec<_> = (0..8).map(|_| executor.submit(who, ())).collect();
    executor.shutdown();
    let mut pid_of: HashMap<String, u32> = HashMap::new();
    let mut tasks_of: HashMap<String, usize> = HashMap::new();
    for future in work {
        let p = future.result().expect("the task ran");
        assert_ne!(p.pid, std::process::id(), "{p:?} ran in a worker process");
        assert!(
            ["SpawnProcess-1", "SpawnProcess-2"].contains(&p.name.as_str()),
            "{p:?}"
        );
        assert_eq!(
            *pid_of.entry(p.name.clone()).or_insert(p.pid),
            p.pid,
            "{p:?}"
        );
        *tasks_of.entry(p.name).or_default() += 1;
    }
    assert_eq!(pid_of.len(), 2, "both workers took tasks: {tasks_of:?}");
    assert_ne!(pid_of["SpawnProcess-1"], pid_of["SpawnProcess-2"]);
    assert!(tasks_of.values().all(|&n| n > 1), "{tasks_of:?}");
}

fn a_crash_costs_one_task_not_the_pool() {
    let executor = ProcessPoolExecutor::new(2).expect("start two worker processes");
    let work: Vec<_> = (1..=6).map(|x| executor.submit(crash_some, x)).collect();
    executor.shutdown();
    let got: Vec<Result<u64, TaskError>> = work.into_iter().map(TaskFuture::result).collect();
    assert_eq!(got[0], Ok(10));
    // procspawn lets a panic end its worker process rather than leave it in an unknown state.
    // Which news reaches the parent first is a race inside procspawn's pool: the panic's message,
    // or the worker's end. Either way the task failed and, below, the pool went on.
    let task_2_failed = match &got[1] {
        Err(TaskError::WorkerDied(_)) => true,
        Err(TaskError::Panicked(msg)) => msg == "task 2 panics on purpose",
        Ok(_) => false,
    };
    assert!(task_2_failed, "task 2 panicked in its worker: {:?}", got[1]);
    assert_eq!(got[2], Ok(30));
    assert!(
        matches!(got[3], Err(TaskError::WorkerDied(_))),
        "task 4 aborted its worker: {:?}",
        got[3]
    );
    assert_eq!(
        got[4..],
        [Ok(50), Ok(60)],
        "the pool replaced its dead workers"
    );
}

fn an_abort_on_a_pool_thread_ends_the_whole_process() {
    let outcome = procspawn::spawn((), thread_pool_with_an_abort).join();
    match outcome {
        Err(err) => assert!(err.is_remote_close(), "{err}"),
        Ok(n) => panic!("the process survived an abort on one of its threads and returned {n}"),
    }
}

fn main() {
    procspawn::init();
    each_worker_process_has_its_name();
    eprintln!("process_faults: the panic printed below is task 2's, on purpose");
    a_crash_costs_one_task_not_the_pool();
    an_abort_on_a_pool_thread_ends_the_whole_process();
    println!("process_faults: 3 checks passed");
}
