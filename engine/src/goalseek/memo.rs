//! A thread-safe cache for evaluators: the search's reuse device.
//!
//! Candidates often differ only in cheap dimensions (a subsidy, a charger price) and share
//! the expensive part of their evaluation (a charging schedule, a year of bills). An
//! evaluator keys that part by the dimensions it depends on and asks the memo for it: the
//! first asker computes it, concurrent askers of the same key wait for that result instead
//! of computing it again, later askers get a copy.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// A thread-safe cache from `K` to `V` that counts its hits and misses.
///
/// `V` is cloned on every hit: wrap a large value in an [`Arc`].
///
/// ```
/// use voltlex_engine::goalseek::Memo;
/// let memo: Memo<u32, u64> = Memo::new();
/// let square = |n: u32| Ok::<_, std::convert::Infallible>(u64::from(n) * u64::from(n));
/// assert_eq!(memo.get_or_try_insert_with(7, || square(7))?, 49);
/// assert_eq!(memo.get_or_try_insert_with(7, || square(7))?, 49);
/// assert_eq!((memo.hits(), memo.misses()), (1, 1));
/// # Ok::<(), std::convert::Infallible>(())
/// ```
#[derive(Debug)]
pub struct Memo<K, V> {
    /// One slot per key; the map's lock is held only to find or create a slot, the slot's
    /// while its value is computed (so only one thread computes a key).
    slots: Mutex<HashMap<K, Arc<Mutex<Option<V>>>>>,
    hits: AtomicUsize,
    misses: AtomicUsize,
}

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo {
            slots: Mutex::new(HashMap::new()),
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
        }
    }
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    /// An empty memo.
    ///
    /// ```
    /// use voltlex_engine::goalseek::Memo;
    /// let memo: Memo<String, f64> = Memo::new();
    /// assert!(memo.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `key`, computed by `compute` if no one has computed it yet. A failed
    /// computation stores nothing (the next asker tries again) and returns its error.
    ///
    /// `compute` must not ask this memo for the same key (it would wait for itself).
    ///
    /// ```
    /// use voltlex_engine::goalseek::Memo;
    /// let memo: Memo<&str, i32> = Memo::new();
    /// assert_eq!(memo.get_or_try_insert_with("a", || Err("cannot")), Err("cannot"));
    /// assert_eq!(memo.get_or_try_insert_with("a", || Ok::<_, &str>(1)), Ok(1));
    /// assert_eq!(memo.misses(), 2);
    /// ```
    ///
    /// # Errors
    ///
    /// `compute`'s error, when it was called and failed.
    pub fn get_or_try_insert_with<E>(
        &self,
        key: K,
        compute: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(slots.entry(key).or_default())
        };
        // A panic in another thread's `compute` leaves the slot empty: computing again is right.
        let mut value = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(value) = value.as_ref() {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(value.clone());
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let computed = compute()?;
        *value = Some(computed.clone());
        Ok(computed)
    }

    /// The value of `key`, computed by `compute` if no one has computed it yet.
    ///
    /// ```
    /// use voltlex_engine::goalseek::Memo;
    /// let memo: Memo<u8, u8> = Memo::new();
    /// assert_eq!(memo.get_or_insert_with(1, || 2), 2);
    /// assert_eq!(memo.get_or_insert_with(1, || 3), 2);
    /// ```
    pub fn get_or_insert_with(&self, key: K, compute: impl FnOnce() -> V) -> V {
        match self.get_or_try_insert_with(key, || Ok::<V, std::convert::Infallible>(compute())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// How many asks were answered from the cache.
    ///
    /// ```
    /// use voltlex_engine::goalseek::Memo;
    /// let memo: Memo<u8, u8> = Memo::new();
    /// memo.get_or_insert_with(1, || 1);
    /// memo.get_or_insert_with(1, || 1);
    /// assert_eq!(memo.hits(), 1);
    /// ```
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    /// How many asks computed their value (failed computations included).
    ///
    /// ```
    /// use voltlex_engine::goalseek::Memo;
    /// let memo: Memo<u8, u8> = Memo::new();
    /// memo.get_or_insert_with(1, || 1);
    /// memo.get_or_insert_with(2, || 2);
    /// assert_eq!(memo.misses(), 2);
    /// ```
    pub fn misses(&self) -> usize {
        self.misses.load(Ordering::Relaxed)
    }

    /// How many keys hold a value.
    ///
    /// ```
    /// use voltlex_engine::goalseek::Memo;
    /// let memo: Memo<u8, u8> = Memo::new();
    /// memo.get_or_insert_with(1, || 1);
    /// assert_eq!(memo.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        // Copy the slots out first: a slot may be locked by a computation that itself needs
        // the map (another key), which must not wait for us.
        let slots: Vec<_> = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        slots
            .iter()
            .filter(|slot| {
                slot.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .is_some()
            })
            .count()
    }

    /// Whether no key holds a value.
    ///
    /// ```
    /// use voltlex_engine::goalseek::Memo;
    /// assert!(Memo::<u8, u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
