//! Chapter 7 of the course: multiprocessing.
