use socketry::events;

#[events]
trait Events {
    fn move_3d(x: f64);
    fn move3d(x: f64);
}

fn main() {}
