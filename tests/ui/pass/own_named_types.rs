//! How an emit takes an argument is decided by what its type is, not by its name: a type of
//! one's own named `String` or `Bytes` is passed as `&T`, like any other; `std`'s `String`
//! takes a `&str` and `bytes::Bytes` a `&[u8]` (sent as a binary attachment).

mod own {
    #[derive(serde::Serialize, serde::Deserialize)]
    pub struct String {
        pub text: std::string::String,
    }

    #[derive(serde::Serialize, serde::Deserialize)]
    pub struct Bytes(pub Vec<u16>);
}

use socketry::{Server, ServerConfig, events};

#[events]
trait ClientEvents {
    fn ping();
}

#[events]
trait ServerEvents {
    fn own_string(value: own::String);
    fn own_bytes(value: own::Bytes);
    fn std_string(value: String, list: Vec<String>, count: u64);
    fn bytes(value: bytes::Bytes, raw: Vec<u8>);
}

fn main() {
    let io = Server::<dyn ClientEvents, dyn ServerEvents>::typed(ServerConfig::default());
    io.of("/").on_connection(|socket| async move {
        let _ = socket.emit().own_string(&own::String { text: "x".into() });
        let _ = socket.emit().own_bytes(&own::Bytes(vec![1, 2]));
        let _ = socket.emit().std_string("x", &[], 1);
        let _ = socket.emit().std_string(&"y".to_owned(), &["a".to_owned()], 2u64);
        let _ = socket.emit().std_string(String::from("z"), vec![String::new()], 3);
        let _ = socket.emit().bytes(&[1u8, 2, 3], &[4, 5]);
        let _ = socket.emit().bytes(bytes::Bytes::from_static(b"x"), &vec![6]);
    });
}
