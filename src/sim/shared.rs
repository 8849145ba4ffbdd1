//! A growing vector whose copies share what they have in common.
//!
//! Time travel keeps a few copies of the whole world (`ui::model`), and the parts of a world that
//! grow for the length of a run — the clients' history and what the checker has seen committed —
//! are almost entirely the same in every copy: old requests and old commits do not change. So
//! these live in fixed-size chunks behind `Arc`s; cloning copies one pointer per chunk, and a
//! write to a chunk that another copy still shares copies that chunk first (copy on write). An
//! hour of a busy run then costs one history, not one per checkpoint.

use std::iter::FlatMap;
use std::ops::{Index, IndexMut};
use std::slice;
use std::sync::Arc;

/// Items per chunk: small enough that a copy on write is cheap (after every checkpoint the next
/// push copies the newest chunk, deeply: at 512 items that was a tenth of the allocations of a
/// long time-travel seek), large enough that the chunk pointers of an hour-long history are a
/// few kilobytes.
pub const CHUNK: usize = 64;

#[derive(Clone, Debug)]
pub struct SharedVec<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for SharedVec<T> {
    fn default() -> SharedVec<T> {
        SharedVec { chunks: Vec::new(), len: 0 }
    }
}

impl<T: Clone> SharedVec<T> {
    pub fn new() -> SharedVec<T> {
        SharedVec::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, item: T) {
        if self.len.is_multiple_of(CHUNK) {
            self.chunks.push(Arc::new(Vec::with_capacity(CHUNK)));
        }
        let last = self.chunks.last_mut().expect("a chunk with room was just ensured");
        Arc::make_mut(last).push(item);
        self.len += 1;
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i / CHUNK).and_then(|c| c.get(i % CHUNK))
    }

    /// The item at `i`, copying its chunk first if another copy of the vector shares it.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.chunks.get_mut(i / CHUNK).and_then(|c| Arc::make_mut(c).get_mut(i % CHUNK))
    }

    pub fn last(&self) -> Option<&T> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    pub fn iter(&self) -> Iter<'_, T> {
        self.chunks.iter().flat_map(chunk_items::<T> as fn(&Arc<Vec<T>>) -> &Vec<T>)
    }

    /// The items from `start` on, without walking the ones before it.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &T> {
        let first = self.chunks.get(start / CHUNK).map_or(&[][..], |c| c.get(start % CHUNK..).unwrap_or(&[]));
        let rest = self.chunks.iter().skip(start / CHUNK + 1).flat_map(|c| c.iter());
        first.iter().chain(rest)
    }

    /// How many chunks this copy shares with others (for measurements).
    pub fn shared_chunks(&self) -> usize {
        self.chunks.iter().filter(|c| Arc::strong_count(c) > 1).count()
    }
}

/// The items of a `SharedVec`, in order (from either end).
pub type Iter<'a, T> = FlatMap<slice::Iter<'a, Arc<Vec<T>>>, &'a Vec<T>, fn(&'a Arc<Vec<T>>) -> &'a Vec<T>>;

fn chunk_items<T>(chunk: &Arc<Vec<T>>) -> &Vec<T> {
    chunk
}

impl<'a, T: Clone> IntoIterator for &'a SharedVec<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T: Clone> Index<usize> for SharedVec<T> {
    type Output = T;

    fn index(&self, i: usize) -> &T {
        match self.get(i) {
            Some(item) => item,
            None => panic!("index {i} out of range for a SharedVec of length {}", self.len),
        }
    }
}

impl<T: Clone> IndexMut<usize> for SharedVec<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        let len = self.len;
        match self.get_mut(i) {
            Some(item) => item,
            None => panic!("index {i} out of range for a SharedVec of length {len}"),
        }
    }
}

impl<T: Clone> FromIterator<T> for SharedVec<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> SharedVec<T> {
        let mut v = SharedVec::new();
        items.into_iter().for_each(|item| v.push(item));
        v
    }
}

impl<T: Clone + PartialEq> PartialEq for SharedVec<T> {
    fn eq(&self, other: &SharedVec<T>) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_share_full_chunks_and_copy_a_chunk_only_when_written() {
        let mut a: SharedVec<u32> = (0..(3 * CHUNK as u32 + 7)).collect();
        let b = a.clone();
        assert_eq!(a.shared_chunks(), 4);
        *a.get_mut(5).expect("in range") = 99;
        assert_eq!((a[5], b[5]), (99, 5), "the write stays in its copy");
        assert_eq!(a.shared_chunks(), 3, "only the written chunk was copied");
        a.push(1_000_000);
        assert_eq!((a.len(), b.len()), (3 * CHUNK + 8, 3 * CHUNK + 7));
        assert_eq!(a.last(), Some(&1_000_000));
        assert_eq!(b.last(), Some(&(3 * CHUNK as u32 + 6)));
    }

    #[test]
    fn iterates_in_order_from_anywhere() {
        let v: SharedVec<usize> = (0..2 * CHUNK + 3).collect();
        assert!(v.iter().copied().eq(0..2 * CHUNK + 3));
        assert!(v.iter().rev().take(2).copied().eq([2 * CHUNK + 2, 2 * CHUNK + 1]));
        for start in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 2, 2 * CHUNK + 3, 10 * CHUNK] {
            assert!(v.iter_from(start).copied().eq(start..2 * CHUNK + 3), "from {start}");
        }
        assert_eq!(v.get(2 * CHUNK + 3), None);
    }
}
