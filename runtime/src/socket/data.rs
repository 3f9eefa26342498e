//! [`DataGuard`]: `socket.data`, locked.

use std::fmt;
use std::marker::PhantomData;

/// [`Socket::data`](crate::Socket::data): the socket's data, locked.
pub struct DataGuard<'a, D> {
    pub(super) guard: std::sync::MutexGuard<'a, Box<dyn std::any::Any + Send>>,
    pub(super) _type: PhantomData<D>,
}

impl<D: fmt::Debug + 'static> fmt::Debug for DataGuard<'_, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

const DATA_TYPE: &str = "a socket's data has its server's data type";

impl<D: 'static> std::ops::Deref for DataGuard<'_, D> {
    type Target = D;
    fn deref(&self) -> &D {
        self.guard.downcast_ref().expect(DATA_TYPE)
    }
}

impl<D: 'static> std::ops::DerefMut for DataGuard<'_, D> {
    fn deref_mut(&mut self) -> &mut D {
        self.guard.downcast_mut().expect(DATA_TYPE)
    }
}
