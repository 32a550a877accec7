//! The standard world every scenario starts from (`codecommit_testkit::world`): who exists at the
//! mock, which repositories, and the placeholders scenario files use (`{url}`, `{alice.key}`…).
//! All keys are fake and only the mock knows them.

pub use codecommit_testkit::world::*;
