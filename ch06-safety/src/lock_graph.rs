//! A deadlock detector for the `deadlock` program: a wait-for graph kept beside the account locks.
//!
//! Every lock taken through [`Watched::lock`] is written down: who owns which account, and which
//! account each thread is about to wait for. Just before a thread blocks, it follows the chain
//! "I wait for account A, held by thread T, which waits for account B, held by ..." If the chain
//! comes back to the thread itself, blocking would never end: that is a deadlock, and the thread
//! returns [`Halt::Deadlock`] instead of waiting.
//!
//! The detector only does the bookkeeping; the waiting itself is the caller's own `lock()`, passed
//! in as a closure (`me.lock(account, || accounts[account].lock())`). So it watches std's `Mutex`
//! in the program and the model checker's `Mutex` in `tests/model.rs` alike.
//!
//! Why this finds every deadlock, with no timeout and no false alarm: a thread records what it
//! holds right after it gets a lock and erases it just before it lets go, so the graph never
//! claims a lock that is free. A circle is closed by the last thread to ask for a lock, and that
//! thread checks the whole graph (under the graph's own small lock) before it blocks.
//!
//! Why not a crate: parking_lot's `deadlock_detection` feature finds deadlocks too, but it reports
//! thread ids and backtraces rather than accounts, needs a polling thread, and, being a cargo
//! feature, would also slow every parking_lot lock in any build that includes this crate.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::{LockResult, Mutex, MutexGuard, PoisonError};

/// Why a thread stopped before finishing its transfers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Halt {
    /// A lock it needed is poisoned: another thread panicked while holding it, so the data behind
    /// it may be half updated.
    Poisoned,
    /// Waiting for the next lock would never end: the threads of this cycle each hold a lock the
    /// next one waits for.
    Deadlock(Cycle),
}

/// `lock()?` works in the program: a poisoned lock stops the thread instead of panicking it.
impl<T> From<PoisonError<T>> for Halt {
    fn from(_: PoisonError<T>) -> Self {
        Halt::Poisoned
    }
}

/// One thread in a deadlock: it holds `holds` and waits for `waits_for`, which `held_by` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The waiting thread (0 = main, 1.. = workers).
    pub thread: usize,
    /// The account lock it holds that the previous thread in the circle waits for.
    pub holds: usize,
    /// The account lock it waits for.
    pub waits_for: usize,
    /// The thread that holds `waits_for`: the next link of the circle.
    pub held_by: usize,
}

/// A circle of threads, each waiting for a lock the next one holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// The circle, starting with the thread that found it.
    pub links: Vec<Link>,
}

#[derive(Debug, Default)]
struct Graph {
    /// Account → the thread holding its lock.
    owner: HashMap<usize, usize>,
    /// Thread → the account it is waiting for (or about to).
    waiting: HashMap<usize, usize>,
}

impl Graph {
    /// Follows the wait-for chain from `me`; `Some` when it leads back to `me`.
    fn cycle_through(&self, me: usize) -> Option<Cycle> {
        let mut links = Vec::new();
        let mut thread = me;
        // Each step visits a different thread, so a chain longer than the number of waiting
        // threads has looped without passing through `me` again.
        while links.len() <= self.waiting.len() {
            let &waits_for = self.waiting.get(&thread)?;
            let &held_by = self.owner.get(&waits_for)?;
            links.push(Link {
                thread,
                holds: 0, // filled in below, once the whole circle is known
                waits_for,
                held_by,
            });
            if held_by == me {
                // Each thread holds what the previous one waits for.
                let n = links.len();
                let wanted: Vec<usize> = links.iter().map(|l| l.waits_for).collect();
                for (i, link) in links.iter_mut().enumerate() {
                    link.holds = wanted[(i + n - 1) % n];
                }
                return Some(Cycle { links });
            }
            thread = held_by;
        }
        None
    }
}

/// The wait-for graph shared by all threads of one bank.
#[derive(Debug, Default)]
pub struct LockGraph {
    graph: Mutex<Graph>,
}

impl LockGraph {
    /// An empty graph: nobody holds or waits for anything.
    pub fn new() -> Self {
        Self::default()
    }

    fn graph(&self) -> MutexGuard<'_, Graph> {
        // The graph is only bookkeeping and each update is a single insert or remove, so a panic
        // elsewhere cannot leave it half written: ignoring poison is safe here.
        self.graph.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Thread `thread`'s (0 = main, 1.. = workers) way to take locks under the detector's eye.
    pub fn watch(&self, thread: usize) -> Watched<'_> {
        Watched {
            graph: self,
            thread,
        }
    }
}

/// One thread, as the detector knows it: every lock it takes goes through [`Watched::lock`].
#[derive(Debug, Clone, Copy)]
pub struct Watched<'a> {
    graph: &'a LockGraph,
    thread: usize,
}

impl<'a> Watched<'a> {
    /// Takes the lock of account number `account` with `lock` (the mutex's own `lock()`), unless
    /// waiting for it would close a circle of waiting threads.
    pub fn lock<G>(
        self,
        account: usize,
        lock: impl FnOnce() -> LockResult<G>,
    ) -> Result<Held<'a, G>, Halt> {
        let thread = self.thread;
        {
            let mut graph = self.graph.graph();
            graph.waiting.insert(thread, account);
            if let Some(cycle) = graph.cycle_through(thread) {
                graph.waiting.remove(&thread);
                return Err(Halt::Deadlock(cycle));
            }
        }
        // The graph's own lock is released before blocking here, or it would stop the world.
        let locked = lock();
        let mut graph = self.graph.graph();
        graph.waiting.remove(&thread);
        let guard = locked?;
        graph.owner.insert(account, thread);
        Ok(Held {
            graph: self.graph,
            account,
            guard,
        })
    }
}

/// A lock taken through [`Watched::lock`] (`G` is the mutex's guard); dropping it erases it from
/// the graph, then unlocks.
#[derive(Debug)]
pub struct Held<'a, G> {
    graph: &'a LockGraph,
    account: usize,
    guard: G,
}

impl<G: Deref> Deref for Held<'_, G> {
    type Target = G::Target;
    fn deref(&self) -> &G::Target {
        &self.guard
    }
}

impl<G: DerefMut> DerefMut for Held<'_, G> {
    fn deref_mut(&mut self) -> &mut G::Target {
        &mut self.guard
    }
}

impl<G> Drop for Held<'_, G> {
    fn drop(&mut self) {
        // Erased before `guard` unlocks (fields drop after this body): the graph may briefly
        // miss a lock that is still held, but never claims one that is free.
        self.graph.graph().owner.remove(&self.account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_free_lock_is_taken_and_given_back() {
        let graph = LockGraph::new();
        let m = Mutex::new(5);
        {
            let mut held = graph.watch(1).lock(0, || m.lock()).unwrap();
            *held += 1;
            assert_eq!(graph.graph().owner.get(&0), Some(&1));
        }
        assert!(graph.graph().owner.is_empty());
        assert!(graph.graph().waiting.is_empty());
        assert_eq!(*m.lock().unwrap(), 6);
    }

    #[test]
    fn two_threads_crossing_are_caught_by_the_second() {
        // Simulated state: thread 1 holds account 0 and waits for account 1.
        let graph = LockGraph::new();
        {
            let mut g = graph.graph();
            g.owner.insert(0, 1);
            g.waiting.insert(1, 1);
            g.owner.insert(1, 2);
        }
        // Thread 2 holds account 1 and now asks for account 0: that closes the circle.
        let accounts = [Mutex::new(0), Mutex::new(0)];
        let err = graph.watch(2).lock(0, || accounts[0].lock()).unwrap_err();
        let Halt::Deadlock(cycle) = err else {
            panic!("expected a deadlock, got {err:?}");
        };
        assert_eq!(
            cycle.links,
            vec![
                Link {
                    thread: 2,
                    holds: 1,
                    waits_for: 0,
                    held_by: 1
                },
                Link {
                    thread: 1,
                    holds: 0,
                    waits_for: 1,
                    held_by: 2
                },
            ]
        );
        assert!(
            !graph.graph().waiting.contains_key(&2),
            "the loser stops waiting"
        );
    }

    #[test]
    fn re_locking_your_own_lock_is_a_circle_of_one() {
        let graph = LockGraph::new();
        let m = Mutex::new(0);
        let me = graph.watch(3);
        let _first = me.lock(4, || m.lock()).unwrap();
        // The closure is never called: the circle is found before waiting.
        let Err(Halt::Deadlock(cycle)) = me.lock(4, || -> LockResult<()> { unreachable!() }) else {
            panic!("locking twice must be reported, not hang");
        };
        assert_eq!(
            cycle.links,
            vec![Link {
                thread: 3,
                holds: 4,
                waits_for: 4,
                held_by: 3
            }]
        );
    }

    #[test]
    fn a_chain_that_ends_is_no_deadlock() {
        let graph = LockGraph::new();
        {
            let mut g = graph.graph();
            g.owner.insert(0, 1); // thread 1 holds 0 and waits for nothing
        }
        let mut g = graph.graph();
        g.waiting.insert(2, 0);
        assert_eq!(g.cycle_through(2), None);
    }
}
