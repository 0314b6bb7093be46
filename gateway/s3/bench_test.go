package s3_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"syscall"
	"testing"
	"time"

	"coffre/gateway"
	"coffre/gateway/s3"
	"coffre/storage"
)

// The S3 layer's cost over the engine's for one object, without the
// network: GetObject and PutObject served by the handler (signature,
// routing, headers, body) beside the engine's Open and Put of the same
// object. The difference of their cpu-ns/op is what the layer adds.

// benchObjects runs one sub-benchmark per object size over a fresh server
// with a bucket "bkt": setup prepares the object's data and returns one
// operation, whose CPU time is reported per operation.
func benchObjects(b *testing.B, setup func(b *testing.B, s *server, data []byte) func() error) {
	for _, size := range []int{4 << 10, 1 << 20} {
		b.Run(fmt.Sprint(size>>10, "KiB"), func(b *testing.B) {
			s := newServer(b)
			objBucket(b, s, "bkt")
			op := setup(b, s, objData(1, size))
			b.SetBytes(int64(size))
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				if err := op(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the process's CPU time (user and system, every goroutine:
// the handler's, the engine's, Pebble's), steadier than wall time on a
// shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// discard is a ResponseWriter that keeps the status and drops the body.
type discard struct {
	h      http.Header
	status int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) WriteHeader(code int)        { d.status = code }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }

// serve runs one request through the handler as gateway.Server wraps it.
func serve(h http.Handler, r *http.Request) error {
	w := &discard{h: http.Header{}}
	h.ServeHTTP(w, r)
	if w.status != http.StatusOK {
		return fmt.Errorf("%s: status %d", r.Method, w.status)
	}
	return nil
}

func benchHandler(s *server) http.Handler {
	return gateway.Wrap(s3.New(s3.Options{Service: s.Engine, Keys: s.Auth.SecretKey}), slog.New(slog.DiscardHandler))
}

func BenchmarkGetObject(b *testing.B) {
	benchObjects(b, func(b *testing.B, s *server, data []byte) func() error {
		objPut(b, s.SDK(s.Admin), "bkt", "k", data)
		h := benchHandler(s)
		req := rawRequest(b, s, s.Admin, "GET", "/bkt/k", nil, objSHA(nil), nil)
		return func() error { return serve(h, req) }
	})
}

func BenchmarkEngineGet(b *testing.B) {
	benchObjects(b, func(b *testing.B, s *server, data []byte) func() error {
		if _, err := s.As(s.Admin).Put(ctx, "/bkt/k", bytes.NewReader(data), storage.PutOptions{Size: int64(len(data))}); err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, len(data))
		return func() error {
			o, err := s.As(s.Admin).Open(ctx, "/bkt/k")
			if err != nil {
				return err
			}
			if _, err = o.ReadAt(buf, 0); err == io.EOF {
				err = nil
			}
			return errors.Join(err, o.Close())
		}
	})
}

func BenchmarkPutObject(b *testing.B) {
	benchObjects(b, func(b *testing.B, s *server, data []byte) func() error {
		h := benchHandler(s)
		req := rawRequest(b, s, s.Admin, "PUT", "/bkt/k", data, objSHA(data), nil)
		return func() error {
			r := req.Clone(ctx)
			r.Body = io.NopCloser(bytes.NewReader(data))
			return serve(h, r)
		}
	})
}

func BenchmarkEnginePut(b *testing.B) {
	benchObjects(b, func(b *testing.B, s *server, data []byte) func() error {
		return func() error {
			_, err := s.As(s.Admin).Put(ctx, "/bkt/k", bytes.NewReader(data), storage.PutOptions{Size: int64(len(data))})
			return err
		}
	})
}
