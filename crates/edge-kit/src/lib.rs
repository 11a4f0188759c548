//! What the Spin components share: the key-value adapter, auth and HTTP error mapping.
