package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type fakeAddr string

func (a fakeAddr) Network() string { return "tcp" }
func (a fakeAddr) String() string  { return string(a) }

func TestStatusOnlyFromThisMachine(t *testing.T) {
	report := func(context.Context) (any, error) { return map[string]int{"drives": 4}, nil }
	mux := http.NewServeMux()
	mux.Handle("GET "+StatusPath, StatusHandler(report))
	for _, c := range []struct {
		name, remote, local string
		header              string
		want                int
	}{
		{"loopback v4", "127.0.0.1:40000", "127.0.0.1:8080", "", 200},
		{"loopback v6", "[::1]:40000", "[::1]:8080", "", 200},
		{"loopback mapped", "[::ffff:127.0.0.1]:40000", "", "", 200},
		{"the host's own address", "192.0.2.10:40000", "192.0.2.10:8080", "", 200},
		{"another machine", "192.0.2.7:40000", "192.0.2.10:8080", "", 403},
		{"another machine, no local address", "192.0.2.7:40000", "", "", 403},
		{"a proxy on the host", "127.0.0.1:40000", "127.0.0.1:8080", "X-Forwarded-For", 403},
		{"a proxy with Forwarded", "127.0.0.1:40000", "127.0.0.1:8080", "Forwarded", 403},
		{"a proxy with X-Real-IP", "[::1]:40000", "", "X-Real-IP", 403},
		{"garbage address", "somewhere", "", "", 403},
	} {
		req := httptest.NewRequest("GET", StatusPath, nil)
		req.RemoteAddr = c.remote
		if c.local != "" {
			req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, net.Addr(fakeAddr(c.local))))
		}
		if c.header != "" {
			req.Header.Set(c.header, "127.0.0.1")
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s: %d, want %d: %s", c.name, rec.Code, c.want, rec.Body)
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: body %q, %v", c.name, rec.Body, err)
		}
		if c.want == 403 && !strings.Contains(body["reason"].(string), "coffre status") {
			t.Errorf("%s: reason %v", c.name, body["reason"])
		}
		if c.want == 200 && body["drives"] != 4.0 {
			t.Errorf("%s: body %v", c.name, body)
		}
	}
}

// TestStatusOverLoopback asks over a real loopback connection, and sees a
// failing report as 503 with its reason.
func TestStatusOverLoopback(t *testing.T) {
	fail := errors.New("metadata store closed")
	var err error
	srv := httptest.NewServer(StatusHandler(func(context.Context) (any, error) { return []string{"ok"}, err }))
	defer srv.Close()
	get := func() (int, string) {
		resp, gerr := http.Get(srv.URL + StatusPath)
		if gerr != nil {
			t.Fatal(gerr)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(); code != 200 || strings.TrimSpace(body) != `["ok"]` {
		t.Fatalf("GET = %d %s", code, body)
	}
	err = fail
	if code, body := get(); code != 503 || !strings.Contains(body, "metadata store closed") {
		t.Fatalf("GET with a failing report = %d %s", code, body)
	}
}
