//! What connguard knows of each driver it wraps, one module per driver, so
//! that the call, its runner and the gate stay driver-free.

pub mod sqlx;
