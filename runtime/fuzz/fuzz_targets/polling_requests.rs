#![no_main]

use socketry::__fuzz::PollingWorld;

thread_local! {
    static WORLD: PollingWorld = PollingWorld::new(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("a runtime"),
    );
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| WORLD.with(|world| world.check(data)));
