//! A minimal HTTP/1.1 server: keep-alive connections, `Content-Length` and
//! chunked request bodies, `Expect: 100-continue`. Requests on one
//! connection are answered in order; connections are served concurrently.

use std::future::Future;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 16 * 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    pub fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    fn write_to(&self, out: &mut Vec<u8>) {
        use std::io::Write;
        let _ = write!(
            out,
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        for (k, v) in &self.headers {
            let _ = write!(out, "{k}: {v}\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// Serves `listener` forever, each request through `handle`.
pub async fn serve<H, F>(listener: TcpListener, handle: Arc<H>)
where
    H: Fn(Request) -> F + Send + Sync + 'static,
    F: Future<Output = Response> + Send + 'static,
{
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let handle = handle.clone();
        tokio::spawn(async move {
            let _ = connection(stream, handle).await;
        });
    }
}

enum Head {
    Complete(Request, usize, Option<usize>, bool, bool),
    Partial,
}

/// Parses a request head from `buf`: the request, the head's length, the
/// body's length (None: chunked), whether the client expects 100-continue,
/// and whether the connection closes after this request.
fn parse_head(buf: &[u8]) -> Result<Head, &'static str> {
    let mut headers = [httparse::EMPTY_HEADER; 96];
    let mut req = httparse::Request::new(&mut headers);
    let n = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(Head::Partial),
        Err(_) => return Err("malformed request head"),
    };
    let mut out = Request {
        method: req.method.unwrap_or("GET").to_string(),
        target: req.path.unwrap_or("/").to_string(),
        headers: Vec::with_capacity(req.headers.len()),
        body: Vec::new(),
    };
    let mut length = Some(0);
    let mut expect = false;
    let mut close = req.version == Some(0);
    for h in req.headers.iter() {
        let value = String::from_utf8_lossy(h.value).into_owned();
        if h.name.eq_ignore_ascii_case("content-length") {
            length = Some(value.trim().parse().map_err(|_| "bad content-length")?);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding")
            && value.to_ascii_lowercase().contains("chunked")
        {
            length = None;
        } else if h.name.eq_ignore_ascii_case("expect")
            && value.eq_ignore_ascii_case("100-continue")
        {
            expect = true;
        } else if h.name.eq_ignore_ascii_case("connection") {
            let v = value.to_ascii_lowercase();
            close = v.contains("close") || (close && !v.contains("keep-alive"));
        }
        out.headers.push((h.name.to_ascii_lowercase(), value));
    }
    Ok(Head::Complete(out, n, length, expect, close))
}

/// Decodes a chunked body from the start of `buf`: the body and the bytes
/// consumed, or None when more input is needed.
fn dechunk(buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>, &'static str> {
    let mut body = Vec::new();
    let mut pos = 0;
    loop {
        let Some(eol) = buf[pos..].windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let line = std::str::from_utf8(&buf[pos..pos + eol]).map_err(|_| "bad chunk size")?;
        let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| "bad chunk size")?;
        pos += eol + 2;
        if size == 0 {
            // Trailers end with an empty line.
            loop {
                let Some(eol) = buf[pos..].windows(2).position(|w| w == b"\r\n") else {
                    return Ok(None);
                };
                pos += eol + 2;
                if eol == 0 {
                    return Ok(Some((body, pos)));
                }
            }
        }
        if buf.len() < pos + size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&buf[pos..pos + size]);
        if body.len() > MAX_BODY {
            return Err("body too large");
        }
        pos += size + 2;
    }
}

async fn connection<H, F>(mut stream: TcpStream, handle: Arc<H>) -> std::io::Result<()>
where
    H: Fn(Request) -> F + Send + Sync + 'static,
    F: Future<Output = Response> + Send + 'static,
{
    stream.set_nodelay(true)?;
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut out: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        // The head.
        let (mut request, head_len, length, expect, close) = loop {
            match parse_head(&buf) {
                Ok(Head::Complete(r, n, l, e, c)) => break (r, n, l, e, c),
                Ok(Head::Partial) if buf.len() > MAX_HEAD => {
                    return reply_and_close(&mut stream, 431, "request head too large").await;
                }
                Ok(Head::Partial) => {
                    let n = stream.read(&mut chunk).await?;
                    if n == 0 {
                        return Ok(());
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                Err(why) => return reply_and_close(&mut stream, 400, why).await,
            }
        };
        buf.drain(..head_len);
        if expect {
            stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
        }
        // The body.
        match length {
            Some(n) if n > MAX_BODY => {
                return reply_and_close(&mut stream, 413, "body too large").await;
            }
            Some(n) => {
                while buf.len() < n {
                    let r = stream.read(&mut chunk).await?;
                    if r == 0 {
                        return Ok(());
                    }
                    buf.extend_from_slice(&chunk[..r]);
                }
                request.body = buf.drain(..n).collect();
            }
            None => loop {
                match dechunk(&buf) {
                    Ok(Some((body, used))) => {
                        buf.drain(..used);
                        request.body = body;
                        break;
                    }
                    Ok(None) => {
                        let r = stream.read(&mut chunk).await?;
                        if r == 0 {
                            return Ok(());
                        }
                        buf.extend_from_slice(&chunk[..r]);
                    }
                    Err(why) => return reply_and_close(&mut stream, 400, why).await,
                }
            },
        }
        let response = handle(request).await;
        out.clear();
        response.write_to(&mut out);
        stream.write_all(&out).await?;
        if close {
            stream.shutdown().await?;
            return Ok(());
        }
    }
}

async fn reply_and_close(stream: &mut TcpStream, status: u16, why: &str) -> std::io::Result<()> {
    let mut out = Vec::new();
    Response::new(status, "text/plain", why.as_bytes().to_vec())
        .with_header("Connection", "close")
        .write_to(&mut out);
    stream.write_all(&out).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_and_chunks() {
        let raw =
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc";
        let Head::Complete(r, n, len, expect, close) = parse_head(raw).unwrap() else {
            panic!()
        };
        assert_eq!(
            (r.method.as_str(), n, len, expect, close),
            ("POST", raw.len() - 3, Some(3), true, false)
        );
        assert_eq!(r.header("host"), Some("x"));
        assert!(matches!(
            parse_head(b"GET / HTTP/1.1\r\nHo"),
            Ok(Head::Partial)
        ));
        let (body, used) = dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\nNEXT")
            .unwrap()
            .unwrap();
        assert_eq!((body.as_slice(), used), (&b"abcde"[..], 24));
        assert!(dechunk(b"3\r\nab").unwrap().is_none());
    }
}
