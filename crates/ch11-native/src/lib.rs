//! Chapter 11 of the course: native code, the Cython analogue.
