package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ceiling is a plain net/http server on loopback that discards what is PUT
// and serves payloads on GET, with no storage, signature or checksum: what
// HTTP alone costs on this machine, client included. An S3 figure beside it
// shows how much of the machine the S3 layer and the engine leave to HTTP.
type ceiling struct {
	url    string
	client *http.Client
	srv    *http.Server
	done   chan error
}

// startCeiling serves GET <ceilingPathPrefix><size>/<id> as payload{id,
// bases[size]} and answers PUT after reading the body.
func startCeiling(bases map[int64][]byte) (*ceiling, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &ceiling{
		url:    "http://" + ln.Addr().String(),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}},
		srv:    &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { serveCeiling(w, r, bases) }), ReadHeaderTimeout: 10 * time.Second},
		done:   make(chan error, 1),
	}
	go func() { c.done <- c.srv.Serve(ln) }() // owned: stop waits for it
	return c, nil
}

func serveCeiling(w http.ResponseWriter, r *http.Request, bases map[int64][]byte) {
	switch r.Method {
	case http.MethodPut:
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil || n != r.ContentLength {
			http.Error(w, fmt.Sprintf("read %d of %d bytes: %v", n, r.ContentLength, err), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	case http.MethodGet:
		sz, id, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, ceilingPathPrefix), "/")
		n, err1 := strconv.ParseInt(sz, 10, 64)
		i, err2 := strconv.ParseUint(id, 10, 64)
		base := bases[n]
		if !ok || err1 != nil || err2 != nil || base == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		w.Header().Set("Content-Type", "application/octet-stream")
		io.Copy(w, payload{id: i, base: base}.reader())
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (c *ceiling) stop() error {
	err := c.srv.Close()
	if serr := <-c.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	c.client.CloseIdleConnections()
	return err
}

// fileURL is the URL of the phase's file i: its path names the payload.
func (c *ceiling) fileURL(p phase, i int64) string {
	return fmt.Sprintf("%s%s/%d", c.url, p.dir, p.payload(i).id)
}

// put sends the phase's payloads with plain PUTs.
func (c *ceiling) put(ctx context.Context, cfg config, p phase) (stats, error) {
	return loop(ctx, p.workers, p.minN, p.minDur, cfg.maxDur, func(i int64) (int64, error) {
		pl := p.payload(i)
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.fileURL(p, i), pl.reader())
		if err != nil {
			return 0, err
		}
		req.ContentLength = pl.size()
		resp, err := c.client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("PUT %s: %s", req.URL, resp.Status)
		}
		return pl.size(), nil
	})
}

// get reads the phase's payloads with plain GETs, checked as s3Get checks.
func (c *ceiling) get(ctx context.Context, cfg config, p phase, n int64) (stats, error) {
	return getStreams(ctx, cfg, p, n, bufferPool(cfg, p), func(i int64) (io.ReadCloser, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.fileURL(p, i), nil)
		if err != nil {
			return nil, err
		}
		resp, err := c.client.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, fmt.Errorf("GET %s: %s", req.URL, resp.Status)
		}
		return resp.Body, nil
	})
}
