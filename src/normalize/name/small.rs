//! A vector that keeps its first `N` items on the stack: the buffers of one name
//! (letters, folded text, words) fit there, so a call allocates only for its output.

/// A stack array of `N` items that moves to the heap when it outgrows it.
pub(crate) struct Small<T: Copy, const N: usize> {
    arr: [T; N],
    len: usize,
    heap: Vec<T>,
    on_heap: bool,
}

impl<T: Copy, const N: usize> Small<T, N> {
    /// An empty buffer; `fill` only initialises the unused stack slots.
    pub fn new(fill: T) -> Self {
        Small {
            arr: [fill; N],
            len: 0,
            heap: Vec::new(),
            on_heap: false,
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        if self.on_heap {
            self.heap.len()
        } else {
            self.len
        }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn as_slice(&self) -> &[T] {
        if self.on_heap {
            &self.heap
        } else {
            &self.arr[..self.len]
        }
    }

    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        if self.on_heap {
            &mut self.heap
        } else {
            &mut self.arr[..self.len]
        }
    }

    /// Empties the buffer (back on the stack; a heap buffer keeps its capacity).
    #[inline]
    pub fn clear(&mut self) {
        self.len = 0;
        self.heap.clear();
        self.on_heap = false;
    }

    #[inline]
    pub fn push(&mut self, v: T) {
        if self.on_heap {
            self.heap.push(v);
        } else if let Some(slot) = self.arr.get_mut(self.len) {
            *slot = v;
            self.len += 1;
        } else {
            self.spill();
            self.heap.push(v);
        }
    }

    #[cold]
    fn spill(&mut self) {
        self.heap.clear();
        self.heap.extend_from_slice(&self.arr[..self.len]);
        self.on_heap = true;
    }

    pub fn extend_from_slice(&mut self, vs: &[T]) {
        if !self.on_heap {
            if let Some(dst) = self.arr.get_mut(self.len..self.len + vs.len()) {
                dst.copy_from_slice(vs);
                self.len += vs.len();
                return;
            }
            self.spill();
        }
        self.heap.extend_from_slice(vs);
    }

    #[inline]
    pub fn truncate(&mut self, len: usize) {
        if self.on_heap {
            self.heap.truncate(len);
        } else {
            self.len = self.len.min(len);
        }
    }

    #[inline]
    pub fn last(&self) -> Option<&T> {
        self.as_slice().last()
    }

    #[inline]
    pub fn last_mut(&mut self) -> Option<&mut T> {
        self.as_mut_slice().last_mut()
    }

    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        let v = self.last().copied()?;
        self.truncate(self.len() - 1);
        Some(v)
    }

    /// Removes and returns the item at `i` (`None` past the end), shifting the rest.
    pub fn remove(&mut self, i: usize) -> Option<T> {
        let v = *self.as_slice().get(i)?;
        self.as_mut_slice()[i..].rotate_left(1);
        self.pop();
        Some(v)
    }
}

impl<const N: usize> Small<u8, N> {
    /// Appends the first `n` (at most four) of `b`: one four-byte copy while on the
    /// stack.
    #[inline]
    pub fn push4(&mut self, b: [u8; 4], n: usize) {
        let n = n.min(4);
        if !self.on_heap {
            if let Some(dst) = self.arr.get_mut(self.len..self.len + 4) {
                dst.copy_from_slice(&b);
                self.len += n;
                return;
            }
        }
        self.extend_from_slice(&b[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::Small;

    #[test]
    fn stack_then_heap() {
        let mut s: Small<u8, 4> = Small::new(0);
        s.extend_from_slice(b"abc");
        s.push(b'd');
        assert_eq!(s.as_slice(), b"abcd");
        s.push(b'e');
        s.extend_from_slice(b"fg");
        assert_eq!(s.as_slice(), b"abcdefg");
        assert_eq!(s.remove(0), Some(b'a'));
        assert_eq!(s.remove(1), Some(b'c'));
        assert_eq!(s.as_slice(), b"bdefg");
        assert_eq!(s.pop(), Some(b'g'));
        s.truncate(2);
        assert_eq!(s.as_slice(), b"bd");
        s.clear();
        assert!(s.is_empty());
        s.extend_from_slice(b"abcde");
        assert_eq!(s.as_slice(), b"abcde");
        assert_eq!(s.remove(9), None);
        assert_eq!(s.remove(2), Some(b'c'));
        assert_eq!(s.as_slice(), b"abde");
        let mut t: Small<u8, 6> = Small::new(0);
        t.push4(*b"shch", 4);
        t.push4(*b"ab\0\0", 2);
        t.push4(*b"kh\0\0", 2);
        t.push4(*b"x\0\0\0", 0);
        assert_eq!(t.as_slice(), b"shchabkh");
    }
}
