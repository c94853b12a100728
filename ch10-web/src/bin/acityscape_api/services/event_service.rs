//! An events service the course planned and left empty (its `event_service.py` is an empty file);
//! kept so the folder matches the course's.
//!
//! Ports: <https://github.com/talkpython/async-techniques-python-course/blob/master/src/10-async-web/acityscape_api/services/event_service.py>
