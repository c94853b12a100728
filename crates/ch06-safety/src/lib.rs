//! Chapter 6 of the course: thread safety.
