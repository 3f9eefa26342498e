//! The hasher of the maps and sets keyed by socket id, which a broadcast to a room goes
//! through once per member, and of the other maps a message goes through (clients by session
//! id, handlers by event name).
//!
//! std's SipHash is keyed so that an attacker cannot choose keys that all land in one bucket.
//! Socket ids are chosen by the server (random, or made from the random session id), so that
//! protection buys nothing here; a multiply that folds its 128-bit product, over 8 bytes at a
//! time, costs a fraction of it and spreads random ids as well.

use crate::protocol::SocketId;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A map keyed by socket id.
pub(crate) type IdMap<V> = HashMap<SocketId, V, BuildHasherDefault<IdHasher>>;

/// A map keyed by socket id that keeps its entries in the order they were inserted, one after
/// the other: a broadcast that goes through all of them visits the sockets in the order they
/// connected, which is largely the order their memory was allocated in, and the processor's
/// prefetching follows (a hash order would be a random jump for each).
pub(crate) type OrderedIdMap<V> = indexmap::IndexMap<SocketId, V, BuildHasherDefault<IdHasher>>;

/// A set of socket ids.
pub(crate) type IdSet = HashSet<SocketId, BuildHasherDefault<IdHasher>>;

/// A socket's event handlers, looked up by the name in each event received. The names are the
/// application's: a client chooses only what it looks up, and a lookup cannot make the table
/// degrade (that takes inserting keys that collide), so the keyed hash is not needed here
/// either.
pub(crate) type HandlerMap<V> = HashMap<crate::protocol::Str, V, BuildHasherDefault<IdHasher>>;

/// An odd constant with no structure: the fractional part of the golden ratio.
const K: u64 = 0x9e37_79b9_7f4a_7c15;

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, word: u64) {
        let product = u128::from(self.0 ^ word) * u128::from(K);
        // Both halves: the low one alone would leave its low bits (a bucket index) depending
        // only on the low bits of the input.
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            self.add(u64::from_le_bytes(w));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            // The length too, so that trailing zero bytes are not lost.
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn spreads_socket_ids_over_buckets() {
        let build = BuildHasherDefault::<IdHasher>::default();
        // Ids like the server's (20 characters of base64), and v2 ones (`/nsp#` + an id).
        for prefix in ["", "/chat#"] {
            let buckets = 1 << 12;
            let mut counts = vec![0u32; buckets];
            let n = 40_000;
            for _ in 0..n {
                let id = format!("{prefix}{}", crate::protocol::Sid::random());
                let h = build.hash_one(id.as_str());
                counts[(h as usize) & (buckets - 1)] += 1;
            }
            let mean = n as f64 / buckets as f64;
            let max = *counts.iter().max().unwrap() as f64;
            assert!(
                max < mean * 3.0,
                "{prefix:?}: fullest bucket {max}, mean {mean}"
            );
        }
        // hashbrown's control byte comes from the top 7 bits: they vary too.
        let distinct: HashSet<u64> = (0..1000)
            .map(|i| build.hash_one(format!("id{i}").as_str()) >> 57)
            .collect();
        assert!(distinct.len() > 100, "top bits vary: {}", distinct.len());
    }

    #[test]
    fn equal_ids_hash_equal_and_lengths_count() {
        let build = BuildHasherDefault::<IdHasher>::default();
        assert_eq!(build.hash_one("abc"), build.hash_one(String::from("abc")));
        let mut a = IdHasher::default();
        a.write(b"ab");
        let mut b = IdHasher::default();
        b.write(b"ab\0");
        assert_ne!(a.finish(), b.finish());
    }
}
