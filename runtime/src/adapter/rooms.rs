//! [`IntoRooms`]: what the room operators take.

use super::Room;
use crate::protocol::{Sid, Str};

/// Anything that names one or several rooms: `"a"`, `String`, a socket id, arrays, `Vec`s,
/// slices.
pub trait IntoRooms {
    /// The rooms.
    fn into_rooms(self) -> Vec<Room>;
}

impl IntoRooms for &str {
    fn into_rooms(self) -> Vec<Room> {
        vec![Str::from(self)]
    }
}
impl IntoRooms for String {
    fn into_rooms(self) -> Vec<Room> {
        vec![Str::from(self)]
    }
}
impl IntoRooms for &String {
    fn into_rooms(self) -> Vec<Room> {
        vec![Str::from(self.as_str())]
    }
}
impl IntoRooms for Str {
    fn into_rooms(self) -> Vec<Room> {
        vec![self]
    }
}
impl IntoRooms for Sid {
    fn into_rooms(self) -> Vec<Room> {
        vec![Str::from(self.as_str())]
    }
}
impl IntoRooms for &Str {
    fn into_rooms(self) -> Vec<Room> {
        vec![self.clone()]
    }
}
impl<T: IntoRooms> IntoRooms for Vec<T> {
    fn into_rooms(self) -> Vec<Room> {
        self.into_iter().flat_map(IntoRooms::into_rooms).collect()
    }
}
impl<T: IntoRooms, const N: usize> IntoRooms for [T; N] {
    fn into_rooms(self) -> Vec<Room> {
        self.into_iter().flat_map(IntoRooms::into_rooms).collect()
    }
}
impl<T: IntoRooms + Clone> IntoRooms for &[T] {
    fn into_rooms(self) -> Vec<Room> {
        self.iter()
            .cloned()
            .flat_map(IntoRooms::into_rooms)
            .collect()
    }
}
