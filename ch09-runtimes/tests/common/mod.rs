//! What several of this crate's test files need.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;

/// A server whose every page is 5 MiB, more than the programs read (4 MiB).
pub fn huge_page_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = BufReader::new(stream);
                let mut line = String::new();
                // The request, up to its blank line; then the answer (the client may hang up).
                while stream.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let body = vec![b'x'; 5 << 20];
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                let stream = stream.get_mut();
                let _ = stream
                    .write_all(head.as_bytes())
                    .and_then(|()| stream.write_all(&body));
            });
        }
    });
    url
}
