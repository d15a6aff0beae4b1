//! The sqlx pool adapter: [`Pool`], a `MySqlPool` that opens every new
//! connection through the process's gate for its server (spec 6.1) as a
//! retried call (spec 7), and the ungated [`connect_pool`] and [`acquire`].
//!
//! sqlx's pool opens a connection inside `acquire` and closes connections out
//! of sight (idle and aged ones reaped by its maintenance task, ones that fail
//! their ping or a hook, `close_on_drop`), with no event for either. So a
//! [`Pool`] decides itself when sqlx may open one: a caller takes an idle
//! connection if there is one; waits in sqlx's own queue when the pool is
//! full (sqlx then only hands connections back, or opens one in the place of
//! one that closed); else takes a ticket at the gate and calls sqlx's
//! `acquire` once granted, taking whichever comes first, its turn or a
//! connection another caller returns. A connection it opened holds a slot;
//! the slots are reconciled with sqlx's `size()`, the number of connections
//! open or opening, which falls as each closes. docs/rust.md says what this
//! costs and where it is not exact.

use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, Stream, StreamExt};
use sqlx::mysql::{
    MySql, MySqlConnectOptions, MySqlPool, MySqlPoolOptions, MySqlQueryResult, MySqlRow,
    MySqlStatement, MySqlTypeInfo,
};
use sqlx::pool::PoolConnection;
use sqlx::{Acquire, Describe, Either, Execute, Executor, Transaction};
use tokio::sync::oneshot;
use tokio::time::{sleep, timeout_at, Duration, Instant};

use crate::drivers::sqlx::{failure_of, server, target};
use crate::error::Error;
use crate::gate::{Gate, Reclaimer, Slot};
use crate::policy::Policy;
use crate::runner::{random_seed, Outcome, Runner};

type Pooled = PoolConnection<MySql>;

/// How often a pool looks for an idle connection while callers wait at the
/// gate: sqlx tells no one when a connection comes back.
const POLL: Duration = Duration::from_millis(1);

/// A `MySqlPool` whose new connections are opened through the process's gate
/// for the server and retried per the policy (docs/rust.md): a caller refused
/// with 1040 waits for a slot or for a connection another caller returns,
/// whichever comes first. Cloned cheaply, like sqlx's pool.
///
/// `&pool` is an [`Executor`], so `sqlx::query(...).fetch_all(&pool)` runs on
/// a connection acquired this way; [`Pool::inner`] gives sqlx's pool for
/// anything else (its own `acquire` is not gated).
#[derive(Clone)]
pub struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    inner: MySqlPool,
    policy: Policy,
    target: String,
    gate: Option<Arc<Gate>>,
    max_connections: u32,
    held: Mutex<Held>,
}

#[derive(Default)]
struct Held {
    /// One per connection opened through the gate, until `reconcile` finds
    /// fewer connections in the pool.
    slots: Vec<Slot>,
    /// Callers in sqlx's own queue for a full pool (see `reconcile`).
    in_sqlx_queue: usize,
    /// Callers at the gate, in order, each also waiting for an idle
    /// connection (`Some`) or news that the pool filled up (`None`).
    room: VecDeque<oneshot::Sender<Option<Pooled>>>,
    /// A task hands idle connections to `room`.
    handing: bool,
}

impl Pool {
    /// `pool_options.connect_with(connect_options)`, gated and retried per
    /// `policy`: opens `max(1, min_connections)` connections (at most
    /// `max_limit`), as sqlx does, each through the gate, then returns them
    /// to the pool.
    ///
    /// With the limiter, sqlx's own `min_connections` upkeep is switched off:
    /// it would open connections out of the gate's sight. The pool's hooks
    /// are left as set.
    pub async fn connect_with(
        pool_options: MySqlPoolOptions,
        connect_options: MySqlConnectOptions,
        policy: &Policy,
    ) -> Result<Self, Error> {
        let mut opened = pool_options.get_min_connections().max(1);
        if policy.limiter.enabled {
            // Held at once, more would wait for slots they hold themselves.
            opened = opened.min(policy.limiter.max_limit);
        }
        let pool = Self::connect_lazy_with(pool_options, connect_options, policy);
        let start = Instant::now();
        let mut connections = Vec::new();
        for _ in 0..opened {
            connections.push(pool.acquire_since(start).await?);
        }
        drop(connections); // back to the pool, idle
        Ok(pool)
    }

    /// The pool, no connection opened yet (sqlx's `connect_lazy_with`).
    pub fn connect_lazy_with(
        pool_options: MySqlPoolOptions,
        connect_options: MySqlConnectOptions,
        policy: &Policy,
    ) -> Self {
        let gate = policy
            .limiter
            .enabled
            .then(|| Gate::of(server(&connect_options), policy, random_seed()));
        let target = target(&connect_options);
        let pool_options = match gate {
            Some(_) => pool_options.min_connections(0),
            None => pool_options,
        };
        let inner = pool_options.connect_lazy_with(connect_options);
        let shared = Arc::new(Shared {
            max_connections: inner.options().get_max_connections(),
            inner,
            policy: policy.clone(),
            target,
            gate,
            held: Mutex::default(),
        });
        if let Some(gate) = &shared.gate {
            let swept: Weak<Shared> = Arc::downgrade(&shared);
            gate.add_reclaimer(swept);
        }
        Self { shared }
    }

    /// A connection of the pool: an idle one at once; else, with
    /// `limiter.enabled`, one that another caller returns or one opened
    /// through the gate, whichever comes first (a full pool waits in sqlx's
    /// own queue, as `MySqlPool::acquire` does); retried per the policy, the
    /// whole bounded by its `deadline` (and a full pool by its
    /// `acquire_timeout`). Without the limiter, as [`acquire`].
    pub async fn acquire(&self) -> Result<Pooled, Error> {
        self.acquire_since(Instant::now()).await
    }

    async fn acquire_since(&self, start: Instant) -> Result<Pooled, Error> {
        let shared = &self.shared;
        if shared.inner.is_closed() {
            return Err(Error::not_ours(sqlx::Error::PoolClosed, 0, start.elapsed()));
        }
        shared.reconcile();
        let Some(gate) = &shared.gate else {
            let runner = Runner::new(&shared.policy, shared.target.clone(), None);
            let acquired = runner.since(start).run(|| shared.inner.acquire()).await?;
            return Ok(acquired.0);
        };
        loop {
            // Callers already waiting for an idle connection come first: a
            // newcomer takes one only if more are idle than they are.
            if shared.inner.num_idle() > shared.waiting() {
                if let Some(connection) = shared.inner.try_acquire() {
                    return Ok(connection);
                }
            }
            if shared.full() {
                match shared.handed_back(start).await? {
                    Some(connection) => return Ok(connection),
                    None => continue,
                }
            }
            match shared.open(gate, start).await? {
                Outcome::Opened(connection, slot) => {
                    shared.held().slots.extend(slot);
                    return Ok(connection);
                }
                Outcome::Bypassed(Some(connection)) => return Ok(connection),
                Outcome::Bypassed(None) => {} // the pool filled up meanwhile
            }
        }
    }

    /// [`Pool::acquire`], then `BEGIN` on the connection, as sqlx's
    /// `Pool::begin`.
    pub async fn begin(&self) -> Result<Transaction<'static, MySql>, Error> {
        let connection = self.acquire().await?;
        let start = Instant::now();
        // As sqlx's Pool::begin (doc-hidden, used across sqlx's own crates).
        Transaction::begin(connection, None)
            .await
            .map_err(|error| Error::not_ours(error, 0, start.elapsed()))
    }

    /// sqlx's `close` (idle connections closed, checked-out ones as they come
    /// back), then the slots of all its connections are released.
    pub async fn close(&self) {
        self.shared.inner.close().await;
        self.shared.reconcile();
    }

    /// sqlx's pool, for what this type does not wrap (`size()`, `num_idle()`,
    /// ...). Connections its own `acquire` or `&MySqlPool` executor open pass
    /// the gate by, uncounted until they take over the slot of one that
    /// closes (docs/rust.md).
    pub fn inner(&self) -> &MySqlPool {
        &self.shared.inner
    }
}

impl Shared {
    fn held(&self) -> MutexGuard<'_, Held> {
        lock(&self.held)
    }

    /// Callers at the gate still waiting for an idle connection meanwhile.
    fn waiting(&self) -> usize {
        let mut held = self.held();
        held.room.retain(|waiter| !waiter.is_closed());
        held.room.len()
    }

    fn full(&self) -> bool {
        self.inner.size() >= self.max_connections
    }

    /// Releases the slots of connections the pool closed: sqlx's `size()`
    /// counts every connection open or opening, so slots beyond it are of
    /// closed ones (never fewer slots than open connections of ours).
    fn reconcile(&self) {
        let released = {
            let mut held = self.held();
            // A close lets the head of sqlx's queue open a connection in its
            // place, past the gate: that one keeps the closed one's slot.
            if held.in_sqlx_queue > 0 {
                return;
            }
            let size = self.inner.size() as usize;
            if held.slots.len() <= size {
                return;
            }
            held.slots.split_off(size)
        };
        drop(released); // unlocked: each release may grant a waiter at the gate
    }

    /// A connection opened through the gate (a call, spec 7), unless the pool
    /// hands the caller an idle one first (`Bypassed(Some)`) or fills up
    /// (`Bypassed(None)`).
    async fn open(
        self: &Arc<Self>,
        gate: &Arc<Gate>,
        start: Instant,
    ) -> Result<Outcome<Pooled, Option<Pooled>>, Error> {
        let handed = self.wait_for_idle();
        let runner = Runner::new(&self.policy, self.target.clone(), Some(Arc::clone(gate)));
        let instead = async { handed.await.unwrap_or(None) };
        let found = || self.instead_of_connecting();
        runner
            .since(start)
            .run_or(found, || self.inner.acquire(), instead)
            .await
    }

    /// Looked for at each granted turn, before its attempt: sqlx's `acquire`
    /// would rather take an idle connection (or wait for one, full) than open
    /// one, so those end the call without a connect, and without an attempt.
    fn instead_of_connecting(&self) -> Option<Option<Pooled>> {
        if let Some(connection) = self.inner.try_acquire() {
            return Some(Some(connection));
        }
        self.full().then_some(None)
    }

    /// Queues the caller for an idle connection, handed over by a task that
    /// looks every [`POLL`] while any caller waits.
    fn wait_for_idle(self: &Arc<Self>) -> oneshot::Receiver<Option<Pooled>> {
        let (sender, receiver) = oneshot::channel();
        let mut held = self.held();
        held.room.push_back(sender);
        if !held.handing {
            held.handing = true;
            tokio::spawn(Arc::clone(self).hand_out());
        }
        receiver
    }

    async fn hand_out(self: Arc<Self>) {
        let mut handing = Handing(Some(Arc::clone(&self)));
        loop {
            sleep(POLL).await;
            self.reconcile();
            let mut held = self.held();
            held.room.retain(|waiter| !waiter.is_closed());
            if self.full() {
                // To sqlx's own queue, which hands connections back in order.
                for waiter in held.room.drain(..) {
                    let _ = waiter.send(None);
                }
            }
            self.hand_idle(&mut held);
            if held.room.is_empty() {
                held.handing = false;
                handing.0 = None;
                return;
            }
        }
    }

    /// Gives idle connections to the callers of `room`, in order.
    fn hand_idle(&self, held: &mut Held) {
        while !held.room.is_empty() {
            let Some(connection) = self.inner.try_acquire() else {
                break;
            };
            hand(&mut held.room, connection);
        }
    }

    /// Returns a connection a query of this pool's [`Executor`] ran on. While
    /// callers wait at the gate, sqlx's return (its hook, checks and ping) is
    /// run by a task of ours rather than of sqlx's, so the connection goes to
    /// the first of them as soon as it is idle, not at the next look.
    fn give_back(self: &Arc<Self>, mut connection: Pooled) {
        if self.waiting() == 0 {
            return; // dropped: sqlx returns it
        }
        // sqlx's own drop handler, public but doc-hidden in sqlx 0.8.
        let returning = connection.return_to_pool();
        let shared = Arc::clone(self);
        tokio::spawn(async move {
            returning.await;
            shared.hand_idle(&mut shared.held());
        });
    }

    /// Waits in sqlx's own queue for a full pool, as its `acquire` does, for
    /// a connection handed back, or one sqlx opens in the place of one that
    /// closed (keeping that one's slot, see `reconcile`). `None`: that
    /// opening failed, so the caller goes to the gate.
    async fn handed_back(&self, start: Instant) -> Result<Option<Pooled>, Error> {
        let deadline = start + Duration::from_secs_f64(self.policy.deadline);
        let queued = InSqlxQueue::enter(self);
        let acquired = timeout_at(deadline, self.inner.acquire()).await;
        drop(queued);
        match acquired {
            Ok(Ok(connection)) => Ok(Some(connection)),
            Ok(Err(sqlx::Error::PoolTimedOut)) | Err(_) => {
                let elapsed = start.elapsed();
                let message = format!(
                    "{}: all {} connections of the pool to {} stayed in use for {:.3}s",
                    sqlx::Error::PoolTimedOut,
                    self.max_connections,
                    self.target,
                    elapsed.as_secs_f64()
                );
                Err(Error::pool_busy(message, elapsed))
            }
            Ok(Err(error)) if failure_of(&error).is_some() => Ok(None),
            Ok(Err(error)) => Err(Error::not_ours(error, 0, start.elapsed())),
        }
    }
}

impl Reclaimer for Shared {
    fn sweep(&self) {
        self.reconcile();
    }

    fn reclaim_idle(self: Arc<Self>) {
        // Not while callers of its own wait: an idle connection is theirs.
        if self.waiting() > 0 || self.held().in_sqlx_queue > 0 {
            return;
        }
        if let Some(connection) = self.inner.try_acquire() {
            tokio::spawn(async move {
                // sqlx's size falls once it is closed: its slot is released then.
                let _ = connection.close().await;
                self.reconcile();
            });
        }
    }
}

/// Gives `connection` to the first caller still waiting in `room`; with none
/// left, dropping it returns it to the pool.
fn hand(room: &mut VecDeque<oneshot::Sender<Option<Pooled>>>, mut connection: Pooled) {
    while let Some(waiter) = room.pop_front() {
        match waiter.send(Some(connection)) {
            Ok(()) => return,
            Err(unsent) => connection = unsent.expect("sent Some"),
        }
    }
}

/// Set while `hand_out` runs; a task dropped mid-way (its runtime shut down)
/// lets the next waiter start another.
struct Handing(Option<Arc<Shared>>);

impl Drop for Handing {
    fn drop(&mut self) {
        if let Some(shared) = &self.0 {
            shared.held().handing = false;
        }
    }
}

/// Counts a caller in sqlx's own queue for as long as it is there.
struct InSqlxQueue<'a>(&'a Shared);

impl<'a> InSqlxQueue<'a> {
    fn enter(shared: &'a Shared) -> Self {
        shared.held().in_sqlx_queue += 1;
        Self(shared)
    }
}

impl Drop for InSqlxQueue<'_> {
    fn drop(&mut self) {
        self.0.held().in_sqlx_queue -= 1;
        self.0.reconcile();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.shared;
        f.debug_struct("connguard::Pool")
            .field("target", &shared.target)
            .field("size", &shared.inner.size())
            .field("num_idle", &shared.inner.num_idle())
            .field("limited", &shared.gate.is_some())
            .finish()
    }
}

/// As sqlx's `&Pool`, for code generic over `Acquire` (migrations, say);
/// errors as for the [`Executor`].
impl<'a> Acquire<'a> for &'_ Pool {
    type Database = MySql;
    type Connection = Pooled;

    fn acquire(self) -> BoxFuture<'static, Result<Pooled, sqlx::Error>> {
        let pool = self.clone();
        Box::pin(async move { Ok(pool.acquire().await?) })
    }

    fn begin(self) -> BoxFuture<'static, Result<Transaction<'a, MySql>, sqlx::Error>> {
        let pool = self.clone();
        Box::pin(async move { Ok(pool.begin().await?) })
    }
}

/// As sqlx's `&Pool`: each query runs on a connection from [`Pool::acquire`].
/// When connguard gives up, the error is sqlx's own last one (its summary is
/// in connguard's log).
impl<'p> Executor<'p> for &'_ Pool {
    type Database = MySql;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<MySqlQueryResult, MySqlRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, MySql>,
    {
        let pool = self.clone();
        Produced::boxed(move |out| async move {
            let mut connection = match pool.acquire().await {
                Ok(connection) => connection,
                Err(error) => return out.send(Err(error.into())).await,
            };
            let mut items = connection.fetch_many(query);
            while let Some(item) = items.next().await {
                let failed = item.is_err();
                out.send(item).await;
                if failed {
                    break;
                }
            }
            drop(items);
            pool.shared.give_back(connection);
        })
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<MySqlRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, MySql>,
    {
        let pool = self.clone();
        Box::pin(async move {
            let mut connection = pool.acquire().await?;
            let done = connection.fetch_optional(query).await;
            pool.shared.give_back(connection);
            done
        })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [MySqlTypeInfo],
    ) -> BoxFuture<'e, Result<MySqlStatement<'q>, sqlx::Error>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move {
            let mut connection = pool.acquire().await?;
            let done = connection.prepare_with(sql, parameters).await;
            pool.shared.give_back(connection);
            done
        })
    }

    fn describe<'e, 'q: 'e>(
        self,
        sql: &'q str,
    ) -> BoxFuture<'e, Result<Describe<MySql>, sqlx::Error>>
    where
        'p: 'e,
    {
        let pool = self.clone();
        Box::pin(async move {
            let mut connection = pool.acquire().await?;
            let done = connection.describe(sql).await;
            pool.shared.give_back(connection);
            done
        })
    }
}

/// The stream of what a future sends through its [`Sender`], the future
/// polled by the stream itself: unlike a combinator's, it may own what the
/// items borrow from (the connection that a query's stream borrows).
struct Produced<'a, T> {
    item: Arc<Mutex<Option<T>>>,
    producer: Option<BoxFuture<'a, ()>>,
}

struct Sender<T>(Arc<Mutex<Option<T>>>);

impl<T> Sender<T> {
    async fn send(&self, item: T) {
        *lock(&self.0) = Some(item);
        // Pending once: the stream hands the item out, then polls on.
        let mut sent = false;
        poll_fn(|_| {
            if std::mem::replace(&mut sent, true) {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }
}

impl<'a, T: Send + 'a> Produced<'a, T> {
    fn boxed<F, Fut>(produce: F) -> BoxStream<'a, T>
    where
        F: FnOnce(Sender<T>) -> Fut,
        Fut: Future<Output = ()> + Send + 'a,
    {
        let item = Arc::new(Mutex::new(None));
        let producer = Box::pin(produce(Sender(Arc::clone(&item))));
        Box::pin(Self {
            item,
            producer: Some(producer),
        })
    }
}

impl<T> Stream for Produced<'_, T> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        if let Some(producer) = &mut self.producer {
            if producer.as_mut().poll(cx).is_ready() {
                self.producer = None;
            }
        }
        match lock(&self.item).take() {
            Some(item) => Poll::Ready(Some(item)),
            None if self.producer.is_none() => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

/// `pool_options.connect_with(connect_options)`, retried per `policy` while
/// the server refuses it: a drop-in for sqlx's own call, not gated (the
/// returned `MySqlPool` opens and closes connections out of connguard's
/// sight; [`Pool::connect_with`] is the gated pool).
///
/// Each attempt is cut off after the policy's `connect_timeout`, or the time
/// left before its `deadline` if less (sqlx has no connect timeout of its own;
/// an attempt cut off is a network error). On give-up the error holds sqlx's
/// last error as its source.
pub async fn connect_pool(
    pool_options: MySqlPoolOptions,
    connect_options: MySqlConnectOptions,
    policy: &Policy,
) -> Result<MySqlPool, Error> {
    let runner = Runner::new(policy, target(&connect_options), None);
    let attempt = || pool_options.clone().connect_with(connect_options.clone());
    Ok(runner.run(attempt).await?.0)
}

/// `pool.acquire()`, retried per `policy` when the pool's new connection is
/// refused with a retryable error (1040 when the server is full) or the pool
/// times out; not gated ([`Pool::acquire`] is).
///
/// A connection that is idle in the pool is returned at once, as by sqlx; only
/// opening a new one can fail and be retried. Each attempt is cut off as in
/// [`connect_pool`], and by the pool's `acquire_timeout`, whichever is first.
pub async fn acquire(pool: &MySqlPool, policy: &Policy) -> Result<Pooled, Error> {
    let runner = Runner::new(policy, target(&pool.connect_options()), None);
    Ok(runner.run(|| pool.acquire()).await?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_produced_stream_yields_each_item_sent_then_ends() {
        let stream = Produced::boxed(|out| async move {
            for n in 1..=3 {
                tokio::task::yield_now().await; // a producer that also waits
                out.send(n).await;
            }
        });
        assert_eq!(stream.collect::<Vec<u32>>().await, [1, 2, 3]);
        let empty = Produced::boxed(|_: Sender<u32>| async {});
        assert!(empty.collect::<Vec<u32>>().await.is_empty());
    }
}
