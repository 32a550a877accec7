//! Load test (see README).
