//! [`ShrinkWhenSparse`]: maps and queues that give memory back once most of their entries
//! are gone, so that a server that held a wave of 10 000 clients does not keep room for them
//! after they left (a `HashMap` never shrinks by itself).

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, Hash};

/// Below this capacity a map is left as it is: too small to matter.
const SMALL: usize = 64;

/// A map or set that can give back the room of entries it no longer has.
pub(crate) trait ShrinkWhenSparse {
    /// Shrinks to twice its length once it holds under a quarter of its capacity: each
    /// shrink follows the removal of most of what it held, so its cost is shared by those
    /// removals, and the room left means the next few inserts do not grow it again.
    fn shrink_when_sparse(&mut self);
}

fn sparse(len: usize, capacity: usize) -> bool {
    capacity > SMALL && len < capacity / 4
}

impl<K: Eq + Hash, V, S: BuildHasher> ShrinkWhenSparse for HashMap<K, V, S> {
    fn shrink_when_sparse(&mut self) {
        if sparse(self.len(), self.capacity()) {
            self.shrink_to(self.len() * 2);
        }
    }
}

impl<K: Eq + Hash, S: BuildHasher> ShrinkWhenSparse for HashSet<K, S> {
    fn shrink_when_sparse(&mut self) {
        if sparse(self.len(), self.capacity()) {
            self.shrink_to(self.len() * 2);
        }
    }
}

impl<K: Eq + Hash, V, S: BuildHasher> ShrinkWhenSparse for indexmap::IndexMap<K, V, S> {
    fn shrink_when_sparse(&mut self) {
        if sparse(self.len(), self.capacity()) {
            self.shrink_to(self.len() * 2);
        }
    }
}

impl<T> ShrinkWhenSparse for VecDeque<T> {
    fn shrink_when_sparse(&mut self) {
        if sparse(self.len(), self.capacity()) {
            self.shrink_to(self.len() * 2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_emptied_gives_its_memory_back_and_a_busy_one_keeps_it() {
        let mut map: HashMap<u32, u32> = (0..10_000).map(|i| (i, i)).collect();
        let full = map.capacity();
        for i in 0..9_990 {
            map.remove(&i);
            map.shrink_when_sparse();
        }
        assert!(map.capacity() < full / 100, "{} of {full}", map.capacity());
        assert_eq!(map.len(), 10);
        let mut busy: HashMap<u32, u32> = (0..1000).map(|i| (i, i)).collect();
        let room = busy.capacity();
        for i in 0..500 {
            busy.remove(&i);
            busy.shrink_when_sparse();
        }
        // Half full: not shrunk (a removal may move the reported capacity by a few).
        assert!(
            busy.capacity() > room * 9 / 10,
            "{} of {room}",
            busy.capacity()
        );
    }
}
