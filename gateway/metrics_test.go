package gateway

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// observed is one call of Options.Observe.
type observed struct {
	method, route string
	status        int
}

func TestObserveRoutes(t *testing.T) {
	api := http.NewServeMux() // nested, like the REST API's under "/api/"
	api.HandleFunc("GET /api/folder/{id}", func(w http.ResponseWriter, r *http.Request) {})
	multistatus := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(207) })
	dav := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A handler below a Route may copy the request: the label holds.
		multistatus.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, "copy")))
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {})
	mux.Handle("/api/", api)
	mux.Handle("/dav/", Route("/dav", dav))
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	mux.HandleFunc("PUT /continue", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusContinue) // as the S3 handler does for an empty body
		w.WriteHeader(http.StatusForbidden)
	})
	mux.HandleFunc("/tree/{id}/", func(w http.ResponseWriter, r *http.Request) {})

	seen := make(chan observed, 1)
	srv := New(Options{Observe: func(method, route string, status int, d time.Duration) {
		if d <= 0 {
			t.Errorf("%s %s: duration %v", method, route, d)
		}
		seen <- observed{method, route, status}
	}}, mux)
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()
	base := "http://" + ln.Addr().String()

	for _, c := range []struct {
		method, path string
		header       string
		want         observed
	}{
		{"GET", "/health", "", observed{"GET", "GET /health", 200}},
		{"GET", "/api/folder/42", "", observed{"GET", "GET /api/folder/{id}", 200}},
		{"GET", "/api/nothing", "", observed{"GET", "unmatched", 404}},
		{"PROPFIND", "/dav/a/b.txt", "", observed{"PROPFIND", "/dav", 207}},
		{"GET", "/nowhere/at/all", "", observed{"GET", "unmatched", 404}},
		{"GET", "/panic", "", observed{"GET", "GET /panic", 500}},
		{"PUT", "/continue", "Expect", observed{"PUT", "PUT /continue", 403}},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, nil)
		if c.header != "" {
			req.Header.Set("Expect", "100-continue")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := <-seen; got != c.want {
			t.Errorf("%s %s observed as %+v, want %+v", c.method, c.path, got, c.want)
		}
	}

	// ServeMux stamps a CONNECT it redirects with the raw path: not a route.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "CONNECT /tree/123 HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := <-seen; got.route != "unmatched" || strings.Contains(got.route, "123") {
		t.Errorf("CONNECT observed as %+v", got)
	}
}
