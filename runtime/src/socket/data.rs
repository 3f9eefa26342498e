//! [`DataGuard`]: `socket.data`, locked.

use super::DataCell;
use crate::protocol::socketio::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::any::Any;
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

/// How a server makes, serializes and restores its sockets' data (its `D`), without a type
/// parameter on the sockets that hold it.
#[derive(Clone, Copy)]
pub(crate) struct DataCodec {
    new: fn() -> Box<dyn Any + Send>,
    to_value: fn(&(dyn Any + Send)) -> Value,
    from_value: fn(Value) -> Option<Box<dyn Any + Send>>,
}

impl DataCodec {
    pub(crate) fn of<D: Default + Serialize + DeserializeOwned + Send + 'static>() -> Self {
        DataCodec {
            new: || Box::new(D::default()),
            to_value: |data| {
                data.downcast_ref::<D>()
                    .and_then(|d| Value::from_serialize(d).ok())
                    .unwrap_or_default()
            },
            from_value: |value| {
                value
                    .deserialize_into::<D>()
                    .ok()
                    .map(|d| Box::new(d) as Box<dyn Any + Send>)
            },
        }
    }

    /// A new socket's data: `D::default()`.
    pub(crate) fn new_cell(&self) -> DataCell {
        std::sync::Arc::new(std::sync::Mutex::new((self.new)()))
    }

    /// The serialized form of a socket's data, as it is now.
    pub(crate) fn serialize(&self, cell: &DataCell) -> Value {
        (self.to_value)(&**cell.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// A socket's data back from its serialized form; `D::default()` when it does not decode
    /// (logged: the other node's data type differs).
    pub(crate) fn deserialize(&self, value: Value) -> DataCell {
        let data = (self.from_value)(value).unwrap_or_else(|| {
            tracing::warn!("a restored session's data does not decode: starting from the default");
            (self.new)()
        });
        std::sync::Arc::new(std::sync::Mutex::new(data))
    }
}
