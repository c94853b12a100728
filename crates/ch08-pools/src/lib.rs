//! Chapter 8 of the course: execution pools.
