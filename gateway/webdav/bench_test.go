package webdav_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"coffre/storage"
	"coffre/storage/storagetest"
)

// BenchmarkTransfer64MiB measures one 64 MiB PUT and GET through WebDAV
// on loopback, beside the same through the namespace directly.
func BenchmarkTransfer64MiB(b *testing.B) {
	const size = 64 << 20
	s := newServer(b)
	body := storagetest.Payload(9, size)
	bob := s.As(s.Bob)
	b.Run("webdav-put", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			req, _ := http.NewRequest("PUT", s.URL+"/dav/team/big.bin", bytes.NewReader(body))
			req.SetBasicAuth(s.Bob.Login, s.Bob.Password)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode >= 300 {
				b.Fatalf("PUT: %v %v", resp, err)
			}
			resp.Body.Close()
		}
	})
	b.Run("webdav-get", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			req, _ := http.NewRequest("GET", s.URL+"/dav/team/big.bin", nil)
			req.SetBasicAuth(s.Bob.Login, s.Bob.Password)
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("GET: %v %v", resp, err)
			}
			if n, _ := io.Copy(io.Discard, resp.Body); n != size {
				b.Fatalf("GET: %d bytes", n)
			}
			resp.Body.Close()
		}
	})
	b.Run("engine-put", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if _, err := bob.Put(ctx, "/team/engine.bin", bytes.NewReader(body), storage.PutOptions{Size: size}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("engine-get", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			o, err := bob.Open(ctx, "/team/engine.bin")
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, io.NewSectionReader(o, 0, size))
			o.Close()
		}
	})
}
