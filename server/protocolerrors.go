package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/entblog/blog/openapi/restkit"
)

// netHTTPErrorHeaders is what net/http writes after the status line of the
// responses it sends itself, before any handler runs, to requests it cannot
// parse (400), whose headers are too large (431) or whose transfer encoding
// it does not support (501).
const netHTTPErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// jsonProtocolErrors wraps ln so that those plain-text responses reach the
// client in the API's one error shape, as JSON. Every other write passes
// through untouched: handlers never write text/plain errors.
func jsonProtocolErrors(ln net.Listener) net.Listener { return protocolListener{ln} }

type protocolListener struct{ net.Listener }

func (l protocolListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return protocolConn{c}, nil
}

type protocolConn struct{ net.Conn }

// Write rewrites a response of net/http's own (a single write: status
// line, the fixed headers, the message) and passes any other through.
func (c protocolConn) Write(p []byte) (int, error) {
	rest, ok := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	if !ok || len(rest) < 3 || (rest[0] != '4' && rest[0] != '5') {
		return c.Conn.Write(p)
	}
	end := bytes.IndexByte(rest, '\r')
	if end < 0 || !bytes.HasPrefix(rest[end:], []byte(netHTTPErrorHeaders)) {
		return c.Conn.Write(p)
	}
	code, err := strconv.Atoi(string(rest[:3]))
	if err != nil {
		return c.Conn.Write(p)
	}
	msg := string(rest[end+len(netHTTPErrorHeaders):])
	if m, ok := bytes.CutPrefix([]byte(msg), fmt.Appendf(nil, "%d %s: ", code, http.StatusText(code))); ok {
		msg = string(m)
	} else if msg == fmt.Sprintf("%d %s", code, http.StatusText(code)) {
		msg = "the request cannot be parsed as HTTP/1.1"
	}
	body, err := json.Marshal(restkit.NewError(code, msg))
	if err != nil {
		return c.Conn.Write(p)
	}
	out := fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: "+restkit.ProblemContentType+"\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
		code, http.StatusText(code), len(body), body)
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite half-closes the connection, as net/http does after its 431,
// when the underlying connection can.
func (c protocolConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
