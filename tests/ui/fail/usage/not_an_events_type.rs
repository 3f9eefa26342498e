use socketry::{Server, ServerConfig};

trait Plain {
    fn message(&self, text: String);
}

fn main() {
    let io = Server::<socketry::Untyped, dyn Plain>::typed(ServerConfig::default());
    let _ = io.emit();
}
