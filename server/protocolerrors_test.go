package server

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/entblog/blog/openapi/restkit"
)

// TestProtocolErrorsAreJSON: what net/http answers itself, before any
// handler — a malformed request, headers over the limit, an unsupported
// transfer encoding — reaches the client as the API's JSON error, and
// handler responses pass untouched.
func TestProtocolErrorsAreJSON(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"handler":true}`)
	}))
	ts.Config.MaxHeaderBytes = 4 << 10
	ts.Listener = jsonProtocolErrors(ts.Listener)
	ts.Start()
	defer ts.Close()
	for _, tc := range []struct {
		name, request string
		code          int
	}{
		{"Malformed", "GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400},
		{"BadHost", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		{"HeadersTooLarge", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\n\r\n", 431},
		{"UnsupportedTransferEncoding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", ts.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tc.request); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e restkit.Error
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != tc.code || e.Status != tc.code ||
				resp.Header.Get("Content-Type") != restkit.ProblemContentType || e.Detail == "" {
				t.Errorf("got %d %s %+v (%v), want %d as a problem details object", resp.StatusCode, resp.Header.Get("Content-Type"), e, err, tc.code)
			}
		})
	}
	t.Run("HandlerResponseUntouched", func(t *testing.T) {
		resp, err := http.Get(ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 || string(b) != `{"handler":true}` {
			t.Errorf("got %d %s, want the handler's own 400", resp.StatusCode, b)
		}
	})
}
