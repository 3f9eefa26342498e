//! Byte arguments: emitted from `&[u8]`, received as `Vec<u8>` or `bytes::Bytes`.

use socketry::{Server, ServerConfig, events};

#[events]
trait Upload {
    fn file(name: String, data: Vec<u8>) -> usize;
}

#[events]
trait Download {
    fn file(name: String, data: Vec<u8>);
}

fn main() {
    let io = Server::<dyn Upload, dyn Download>::typed(ServerConfig::default());
    io.of("/").on_connection(|socket| async move {
        socket.on().file(|socket, name, data, ack| async move {
            let _ = socket.emit().file(&name, &data);
            let _ = ack.send(&data.len());
        });
    });
}
