//! Chapter 5 of the course: threads.
