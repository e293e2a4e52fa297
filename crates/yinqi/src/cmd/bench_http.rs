//! A minimal HTTP/1.1 client for the load generator of `bench submit`: one keep-alive
//! connection per simulated client, requests written in one piece, responses read by
//! `Content-Length` (or chunked). Deliberately small — like `wrk`, the generator must cost
//! the shared two cores as little as possible — and it speaks only to `yinqi serve`.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use anyhow::{Context as _, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One response: status, the headers we use, the body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub set_cookies: Vec<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A keep-alive connection with a cookie jar (one simulated enterprise at a time).
pub struct Client {
    addr: SocketAddr,
    /// The loopback address this client connects from: every simulated phone has an
    /// address of its own, as on the internet (the code pages throttle per address).
    from: Option<std::net::IpAddr>,
    conn: Option<TcpStream>,
    buf: Vec<u8>,
    pub cookies: BTreeMap<String, String>,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            from: None,
            conn: None,
            buf: Vec::with_capacity(16 * 1024),
            cookies: BTreeMap::new(),
        }
    }

    /// A client connecting from loopback address 127.1.x.y, distinct for each `n`.
    pub fn from_loopback(addr: SocketAddr, n: usize) -> Client {
        let mut client = Client::new(addr);
        let ip = std::net::Ipv4Addr::new(127, 1, (n / 250) as u8, (n % 250) as u8 + 1);
        client.from = Some(ip.into());
        client
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Sends one request (retrying once on a connection the server closed while idle) and
    /// keeps the cookies it sets.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
    ) -> anyhow::Result<Reply> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        if !self.cookies.is_empty() {
            head.push_str(&format!("Cookie: {}\r\n", self.cookie_header()));
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        let mut request = head.into_bytes();
        match body {
            Some((content_type, bytes)) => {
                request.extend_from_slice(
                    format!(
                        "Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
                        bytes.len()
                    )
                    .as_bytes(),
                );
                request.extend_from_slice(bytes);
            }
            None => request.extend_from_slice(b"\r\n"),
        }
        let reused = self.conn.is_some();
        match self.exchange(&request).await {
            Ok(reply) => Ok(reply),
            Err(_) if reused => {
                self.conn = None;
                self.exchange(&request).await
            }
            Err(e) => Err(e),
        }
    }

    async fn exchange(&mut self, request: &[u8]) -> anyhow::Result<Reply> {
        if self.conn.is_none() {
            let stream = match self.from {
                Some(from) => {
                    let socket = tokio::net::TcpSocket::new_v4()?;
                    socket.bind(SocketAddr::new(from, 0))?;
                    socket.connect(self.addr).await
                }
                None => TcpStream::connect(self.addr).await,
            }
            .with_context(|| format!("connect {}", self.addr))?;
            stream.set_nodelay(true)?;
            self.conn = Some(stream);
            self.buf.clear();
        }
        let conn = self.conn.as_mut().expect("connected above");
        conn.write_all(request).await?;
        let reply = read_reply(conn, &mut self.buf).await;
        match reply {
            Ok((reply, keep_alive)) => {
                if !keep_alive {
                    self.conn = None;
                }
                for c in &reply.set_cookies {
                    if let Some((name, rest)) = c.split_once('=') {
                        let value = rest.split(';').next().unwrap_or("").to_owned();
                        if value.is_empty() {
                            self.cookies.remove(name.trim());
                        } else {
                            self.cookies.insert(name.trim().to_owned(), value);
                        }
                    }
                }
                Ok(reply)
            }
            Err(e) => {
                self.conn = None;
                Err(e)
            }
        }
    }
}

/// Reads one response from `conn`; `buf` keeps bytes read past it (none with our
/// one-request-at-a-time use, but a server may send them).
async fn read_reply(conn: &mut TcpStream, buf: &mut Vec<u8>) -> anyhow::Result<(Reply, bool)> {
    let head_end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i;
        }
        read_more(conn, buf).await?;
    };
    let head = std::str::from_utf8(&buf[..head_end])
        .context("response head is not UTF-8")?
        .to_owned();
    buf.drain(..head_end + 4);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("bad status line {status_line:?}"))?;
    let (mut length, mut chunked, mut keep_alive) = (None, false, true);
    let (mut set_cookies, mut location) = (Vec::new(), None);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse::<usize>().ok(),
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "connection" => keep_alive = !value.eq_ignore_ascii_case("close"),
            "set-cookie" => set_cookies.push(value.to_owned()),
            "location" => location = Some(value.to_owned()),
            _ => {}
        }
    }
    let body = if chunked {
        read_chunked(conn, buf).await?
    } else {
        let n = length.unwrap_or(0);
        while buf.len() < n {
            read_more(conn, buf).await?;
        }
        buf.drain(..n).collect()
    };
    Ok((
        Reply {
            status,
            set_cookies,
            location,
            body,
        },
        keep_alive,
    ))
}

async fn read_chunked(conn: &mut TcpStream, buf: &mut Vec<u8>) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(i) = find(buf, b"\r\n") {
                break i;
            }
            read_more(conn, buf).await?;
        };
        let size_text = std::str::from_utf8(&buf[..line_end])?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .with_context(|| format!("bad chunk size {size_text:?}"))?;
        buf.drain(..line_end + 2);
        while buf.len() < size + 2 {
            read_more(conn, buf).await?;
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
        if size == 0 {
            return Ok(body);
        }
    }
}

async fn read_more(conn: &mut TcpStream, buf: &mut Vec<u8>) -> anyhow::Result<()> {
    let mut chunk = [0u8; 16 * 1024];
    let n = conn.read(&mut chunk).await?;
    if n == 0 {
        bail!("connection closed by the server");
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Form fields (`name=value`) of the first `<form>` whose action contains `action_part`,
/// with its action: how the bench follows a page's step the way a browser would.
pub fn form_with_action(html: &str, action_part: &str) -> Option<(String, Vec<(String, String)>)> {
    let mut rest = html;
    while let Some(start) = rest.find("<form") {
        let form = &rest[start..];
        let end = form.find("</form>").unwrap_or(form.len());
        let form = &form[..end];
        let tag_end = form.find('>').unwrap_or(form.len());
        let action = attr(&form[..tag_end], "action").unwrap_or_default();
        if action.contains(action_part) {
            let mut fields = Vec::new();
            let mut inputs = form;
            while let Some(i) = inputs.find("<input") {
                let tag = &inputs[i..];
                let close = tag.find('>').unwrap_or(tag.len());
                let tag = &tag[..close];
                if let Some(name) = attr(tag, "name") {
                    let kind = attr(tag, "type").unwrap_or_default();
                    let checked = tag.contains(" checked");
                    if !matches!(kind.as_str(), "radio" | "checkbox") || checked {
                        fields.push((name, attr(tag, "value").unwrap_or_default()));
                    }
                }
                inputs = &inputs[i + close..];
            }
            return Some((action, fields));
        }
        rest = &rest[start + end..];
    }
    None
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')? + i;
    Some(unescape(&tag[i..j]))
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// `application/x-www-form-urlencoded` of `fields`.
pub fn form_encode(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", percent(k), percent(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_forms_fields_like_a_browser() {
        let html = r#"<form method="post" action="/login"><input name="u"></form>
            <form method="post" action="/q/ABC/start"><input type="hidden" name="csrf" value="t&amp;1">
            <input type="radio" name="r" value="a"><input type="radio" name="r" value="b" checked>
            <input name="mobile" value="138"></form>"#;
        let (action, fields) = form_with_action(html, "start").unwrap();
        assert_eq!(action, "/q/ABC/start");
        assert_eq!(
            fields,
            [
                ("csrf".into(), "t&1".into()),
                ("r".into(), "b".into()),
                ("mobile".into(), "138".into())
            ]
        );
        assert_eq!(form_encode(&fields), "csrf=t%261&r=b&mobile=138");
        assert!(form_with_action(html, "nothing").is_none());
    }
}
