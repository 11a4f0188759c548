//! Host bindings for the Spin interfaces the test host implements itself (from `wit/`).

wasmtime::component::bindgen!({
    path: "wit",
    world: "testhost:host/spin-host",
    imports: {
        // Creating the stream and future can fail (resource table full): trap, don't panic.
        "spin:key-value/key-value.[method]store.get-keys": store | trappable,
    },
    with: {
        "spin:key-value/key-value.store": crate::kv::KvHandle,
        "wasi:keyvalue/store.bucket": crate::kv::KvHandle,
        "wasi:keyvalue/atomics.cas": crate::kv::CasHandle,
        "spin:redis/redis.connection": crate::redis_host::RedisConn,
    },
});
