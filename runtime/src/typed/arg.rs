//! How a typed emit takes its arguments: [`Arg<T>`], what may be passed where an event
//! declares a `T`. Decided by what the types are, not by their names: `&str` for a
//! `std::string::String`, `&[u8]` for a `bytes::Bytes` (sent as a binary attachment), `&[T]`
//! or `&[T; N]` for a `Vec<T>`, numbers, `bool` and `char` by value, and `&T` for any `T`
//! (a type of the user's own named `String` or `Bytes` among them).

use serde::{Serialize, Serializer};
use std::marker::PhantomData;

/// A value that can be passed where an event declares an argument of type `T`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be passed where the event declares a `{T}`",
    label = "expected a `{T}` here, or a reference to one",
    note = "numbers, `bool` and `char` pass by value, `&str` for a `String`, `&[T]` for a `Vec<T>`, `&[u8]` for bytes, and anything else as `&T`"
)]
pub trait Arg<T: ?Sized> {
    /// Serializes the argument as the declared type would be.
    fn serialize_arg<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error>;
}

impl<T: Serialize + ?Sized> Arg<T> for &T {
    fn serialize_arg<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        (**self).serialize(s)
    }
}

#[diagnostic::do_not_recommend]
impl Arg<String> for &str {
    fn serialize_arg<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        s.serialize_str(self)
    }
}

#[diagnostic::do_not_recommend]
impl Arg<String> for String {
    fn serialize_arg<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        s.serialize_str(self)
    }
}

/// The string types a `String` argument also takes (a `&str` would coerce from them; an
/// `impl Arg<String>` parameter does not coerce).
macro_rules! strings {
    ($($t:ty),*) => {$(
                #[diagnostic::do_not_recommend]
                impl Arg<String> for $t {
            fn serialize_arg<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
                let text: &str = self.as_ref();
                s.serialize_str(text)
            }
        }
    )*};
}

strings!(
    &&str,
    &&String,
    crate::protocol::Str,
    &crate::protocol::Str,
    std::borrow::Cow<'_, str>,
    &std::borrow::Cow<'_, str>,
    Box<str>,
    &Box<str>,
    std::sync::Arc<str>,
    &std::sync::Arc<str>,
    std::rc::Rc<str>,
    &std::rc::Rc<str>
);

#[diagnostic::do_not_recommend]
impl<T: Serialize> Arg<Vec<T>> for &&[T] {
    fn serialize_arg<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        (***self).serialize(s)
    }
}

#[diagnostic::do_not_recommend]
impl<T: Serialize> Arg<Vec<T>> for &[T] {
    fn serialize_arg<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        (**self).serialize(s)
    }
}

#[diagnostic::do_not_recommend]
impl<T: Serialize, const N: usize> Arg<Vec<T>> for &[T; N] {
    fn serialize_arg<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        self.as_slice().serialize(s)
    }
}

#[diagnostic::do_not_recommend]
impl<T: Serialize> Arg<Vec<T>> for Vec<T> {
    fn serialize_arg<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        self.serialize(s)
    }
}

/// Bytes travel as a binary attachment.
#[diagnostic::do_not_recommend]
impl Arg<bytes::Bytes> for &[u8] {
    fn serialize_arg<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        s.serialize_bytes(self)
    }
}

#[diagnostic::do_not_recommend]
impl<const N: usize> Arg<bytes::Bytes> for &[u8; N] {
    fn serialize_arg<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        s.serialize_bytes(self.as_slice())
    }
}

#[diagnostic::do_not_recommend]
impl Arg<bytes::Bytes> for bytes::Bytes {
    fn serialize_arg<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        s.serialize_bytes(self)
    }
}

macro_rules! by_value {
    ($($t:ty),*) => {$(
        #[diagnostic::do_not_recommend]
        impl Arg<$t> for $t {
            fn serialize_arg<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
                self.serialize(s)
            }
        }
    )*};
}

by_value!(
    bool, char, u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64
);

/// One argument as the emit serializes it: `P` passed for a declared `T`.
#[doc(hidden)]
pub struct As<'a, T: ?Sized, P>(pub &'a P, pub PhantomData<fn(&T)>);

impl<T: ?Sized, P> std::fmt::Debug for As<'_, T, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("As")
    }
}

#[diagnostic::do_not_recommend]
impl<T: ?Sized, P: Arg<T>> Serialize for As<'_, T, P> {
    fn serialize<Z: Serializer>(&self, s: Z) -> Result<Z::Ok, Z::Error> {
        self.0.serialize_arg(s)
    }
}

/// Wraps `arg`, checked against the declared `T`.
#[doc(hidden)]
pub fn arg<T: ?Sized, P: Arg<T>>(arg: &P) -> As<'_, T, P> {
    As(arg, PhantomData)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json<T: ?Sized, P: Arg<T>>(p: P) -> String {
        serde_json::to_string(&arg::<T, P>(&p)).unwrap()
    }

    #[test]
    fn arguments_serialize_as_their_declared_types() {
        assert_eq!(json::<String, _>("hi"), r#""hi""#);
        assert_eq!(json::<String, _>(&"hi".to_owned()), r#""hi""#);
        assert_eq!(json::<Vec<String>, _>(&["a".to_owned()]), r#"["a"]"#);
        assert_eq!(json::<Vec<u32>, _>(&[] as &[u32; 0]), "[]");
        assert_eq!(json::<u64, _>(7u64), "7");
        assert_eq!(json::<Option<u32>, _>(&Some(3)), "3");
        assert_eq!(own::string(), r#"{"name":"x"}"#);
        let s: &str = "ref";
        assert_eq!(json::<String, _>(&s), r#""ref""#);
        assert_eq!(
            json::<String, _>(&crate::protocol::Str::from("room")),
            r#""room""#
        );
    }

    #[test]
    fn bytes_travel_as_attachments() {
        use crate::protocol::socketio::encode::to_args;
        let raw: &[u8] = b"ab";
        let args = to_args(&(arg::<bytes::Bytes, _>(&raw), arg::<u32, _>(&1u32))).unwrap();
        assert_eq!(args.attachments().len(), 1);
        let args = to_args(&(arg::<bytes::Bytes, _>(&bytes::Bytes::from_static(b"c")),)).unwrap();
        assert_eq!(args.attachments().len(), 1);
    }

    /// A type of one's own named `String` is passed as itself.
    mod own {
        #[derive(serde::Serialize)]
        struct String {
            name: &'static str,
        }

        pub(super) fn string() -> std::string::String {
            super::json::<String, _>(&String { name: "x" })
        }
    }
}
