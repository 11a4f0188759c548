//! A small blocking Redis client (RESP2 over TCP): what the test host's Redis store, its outbound
//! Redis interface and the multi-instance harness need, without pulling an async client into
//! the host. One command at a time per connection; callers pool connections themselves.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A Redis reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Nil,
    Status(String),
    Int(i64),
    Bulk(Vec<u8>),
    Array(Vec<Reply>),
    /// `-ERR ...`: a refused command is a reply, not a broken connection.
    Error(String),
}

impl Reply {
    /// The bytes of a bulk reply, `None` for nil; an error otherwise.
    pub fn into_bytes(self) -> Result<Option<Vec<u8>>> {
        match self {
            Reply::Nil => Ok(None),
            Reply::Bulk(b) => Ok(Some(b)),
            Reply::Status(s) => Ok(Some(s.into_bytes())),
            Reply::Error(e) => bail!("redis: {e}"),
            other => bail!("redis: unexpected reply {other:?}"),
        }
    }

    pub fn into_int(self) -> Result<i64> {
        match self {
            Reply::Int(n) => Ok(n),
            Reply::Bulk(b) => Ok(std::str::from_utf8(&b)?.trim().parse()?),
            Reply::Error(e) => bail!("redis: {e}"),
            other => bail!("redis: expected an integer, got {other:?}"),
        }
    }

    pub fn into_array(self) -> Result<Vec<Reply>> {
        match self {
            Reply::Array(a) => Ok(a),
            Reply::Error(e) => bail!("redis: {e}"),
            other => bail!("redis: expected an array, got {other:?}"),
        }
    }

    /// `Ok(self)` unless the server refused the command.
    pub fn ok(self) -> Result<Reply> {
        match self {
            Reply::Error(e) => bail!("redis: {e}"),
            r => Ok(r),
        }
    }
}

/// One connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

/// `host:port` and database of a `redis://host[:port][/db]` URL.
pub fn parse_url(url: &str) -> Result<(String, u16, Option<i64>)> {
    let rest = url
        .strip_prefix("redis://")
        .with_context(|| format!("{url:?} is not a redis:// URL"))?;
    let (authority, db) = match rest.split_once('/') {
        Some((a, "")) => (a, None),
        Some((a, db)) => (a, Some(db.parse().context("database must be a number")?)),
        None => (rest, None),
    };
    if authority.contains('@') {
        bail!("credentials in the Redis URL are not supported by the test host");
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().context("invalid port")?),
        None => (authority, 6379),
    };
    if host.is_empty() {
        bail!("{url:?} has no host");
    }
    Ok((host.to_string(), port, db))
}

impl Conn {
    /// Connects to a `redis://host[:port][/db]` URL (selecting the database).
    pub fn open(url: &str) -> Result<Conn> {
        let (host, port, db) = parse_url(url)?;
        let stream = TcpStream::connect((host.as_str(), port))
            .with_context(|| format!("cannot connect to redis at {host}:{port}"))?;
        stream.set_nodelay(true)?;
        // A dead server must not hang a test forever.
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut conn = Conn {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
        };
        if let Some(db) = db {
            conn.cmd(&[b"SELECT", db.to_string().as_bytes()])?.ok()?;
        }
        Ok(conn)
    }

    /// Sends one command and reads its reply.
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Result<Reply> {
        let mut buf = Vec::with_capacity(64);
        write!(buf, "*{}\r\n", args.len())?;
        for a in args {
            let a = a.as_ref();
            write!(buf, "${}\r\n", a.len())?;
            buf.extend_from_slice(a);
            buf.extend_from_slice(b"\r\n");
        }
        self.writer.write_all(&buf)?;
        read_reply(&mut self.reader)
    }

    /// Sends many commands in one write and reads their replies (a pipeline, not a transaction).
    pub fn pipeline(&mut self, cmds: &[Vec<Vec<u8>>]) -> Result<Vec<Reply>> {
        let mut buf = Vec::new();
        for args in cmds {
            write!(buf, "*{}\r\n", args.len())?;
            for a in args {
                write!(buf, "${}\r\n", a.len())?;
                buf.extend_from_slice(a);
                buf.extend_from_slice(b"\r\n");
            }
        }
        self.writer.write_all(&buf)?;
        cmds.iter().map(|_| read_reply(&mut self.reader)).collect()
    }
}

fn read_line(r: &mut impl BufRead) -> Result<String> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        bail!("redis closed the connection");
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn read_reply(r: &mut impl BufRead) -> Result<Reply> {
    let line = read_line(r)?;
    let (kind, rest) = line.split_at(1.min(line.len()));
    Ok(match kind {
        "+" => Reply::Status(rest.to_string()),
        "-" => Reply::Error(rest.to_string()),
        ":" => Reply::Int(rest.parse()?),
        "$" => {
            let n: i64 = rest.parse()?;
            if n < 0 {
                Reply::Nil
            } else {
                let mut data = vec![0; n as usize + 2];
                std::io::Read::read_exact(r, &mut data)?;
                data.truncate(n as usize);
                Reply::Bulk(data)
            }
        }
        "*" => {
            let n: i64 = rest.parse()?;
            if n < 0 {
                Reply::Nil
            } else {
                let mut items = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    items.push(read_reply(r)?);
                }
                Reply::Array(items)
            }
        }
        _ => bail!("redis: unreadable reply line {line:?}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_replies() {
        let mut r = std::io::Cursor::new(b"*3\r\n$3\r\nabc\r\n$-1\r\n:7\r\n-ERR no\r\n".to_vec());
        assert_eq!(
            read_reply(&mut r).unwrap(),
            Reply::Array(vec![
                Reply::Bulk(b"abc".to_vec()),
                Reply::Nil,
                Reply::Int(7)
            ])
        );
        assert_eq!(read_reply(&mut r).unwrap(), Reply::Error("ERR no".into()));
    }

    #[test]
    fn parses_urls() {
        assert_eq!(
            parse_url("redis://127.0.0.1:6380/2").unwrap(),
            ("127.0.0.1".into(), 6380, Some(2))
        );
        assert_eq!(parse_url("redis://h").unwrap(), ("h".into(), 6379, None));
        assert!(parse_url("http://h").is_err());
        assert!(parse_url("redis://:pw@h").is_err());
    }
}
