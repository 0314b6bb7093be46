package s3_test

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"coffre/storage"
)

// objBucket creates a bucket behind the S3 layer's back (the root folder
// /name, owned by the administrator).
func objBucket(t testing.TB, s *server, name string) {
	t.Helper()
	if _, err := s.As(s.Admin).Mkdir(ctx, "/"+name); err != nil {
		t.Fatal(err)
	}
}

// objVersioned turns a bucket's S3 versioning on.
func objVersioned(t testing.TB, s *server, name string) {
	t.Helper()
	if _, err := s.As(s.Admin).SetMeta(ctx, "/"+name, 0, map[string]string{"s3:versioning": "Enabled"}); err != nil {
		t.Fatal(err)
	}
}

// objData is n pseudo-random bytes.
func objData(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func objSHA(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func objETag(b []byte) string {
	h := md5.Sum(b)
	return `"` + hex.EncodeToString(h[:]) + `"`
}

// objStored reads a file's current content behind the S3 layer's back.
func objStored(t testing.TB, s *server, path string) ([]byte, storage.Info) {
	t.Helper()
	o, err := s.As(s.Admin).Open(ctx, path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer o.Close()
	b, err := io.ReadAll(io.NewSectionReader(o, 0, o.Info().Size))
	if err != nil {
		t.Fatal(err)
	}
	return b, o.Info()
}

// objVersions counts a file's versions behind the S3 layer's back.
func objVersions(t testing.TB, s *server, path string) int {
	t.Helper()
	vs, err := s.As(s.Admin).Versions(ctx, path)
	if err != nil {
		t.Fatalf("versions %s: %v", path, err)
	}
	return len(vs)
}

// objStatus is the HTTP status of an SDK error, 0 for none.
func objStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func objGet(t testing.TB, c *awss3.Client, in *awss3.GetObjectInput) ([]byte, *awss3.GetObjectOutput) {
	t.Helper()
	out, err := c.GetObject(ctx, in)
	if err != nil {
		t.Fatalf("GetObject %s: %v", aws.ToString(in.Key), err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("GetObject %s body: %v", aws.ToString(in.Key), err)
	}
	return b, out
}

func objPut(t testing.TB, c *awss3.Client, bucket, key string, data []byte) *awss3.PutObjectOutput {
	t.Helper()
	out, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("PutObject %s: %v", key, err)
	}
	return out
}

// payloadRecorder records the payload mode (x-amz-content-sha256) of the
// PUT requests it sends; with https, it lets the SDK believe it speaks
// HTTPS, so that it sends its default trailing checksum in an aws-chunked
// body as it does to AWS, while the bytes go over plain HTTP.
type payloadRecorder struct {
	https bool
	mu    sync.Mutex
	modes []string
}

func (p *payloadRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut {
		p.mu.Lock()
		p.modes = append(p.modes, r.Header.Get("X-Amz-Content-Sha256"))
		p.mu.Unlock()
	}
	if p.https {
		r = r.Clone(r.Context())
		r.URL.Scheme = "http"
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (p *payloadRecorder) last() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.modes) == 0 {
		return ""
	}
	return p.modes[len(p.modes)-1]
}

// sdkVia is an SDK client whose requests go through rec, with the
// checksum behaviour of the SDK's default configuration
// (config.LoadDefaultConfig): a CRC32 on every upload that supports one,
// and checksums asked for and validated on GET.
func sdkVia(s *server, c creds, rec *payloadRecorder) *awss3.Client {
	return s.SDK(c, func(o *awss3.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenSupported
		if rec.https {
			o.BaseEndpoint = aws.String("https://" + strings.TrimPrefix(s.URL, "http://"))
		}
		o.HTTPClient = &http.Client{Transport: rec}
	})
}

// minioVia is a minio-go client whose requests go through rec; trailers
// turns on its trailing checksums.
func minioVia(t testing.TB, s *server, c creds, rec *payloadRecorder, trailers bool) *minio.Client {
	t.Helper()
	cl, err := minio.New(strings.TrimPrefix(s.URL, "http://"), &minio.Options{
		Creds:           miniocreds.NewStaticV4(c.Access, c.Secret, ""),
		Region:          "us-east-1",
		BucketLookup:    minio.BucketLookupPath,
		Transport:       rec,
		TrailingHeaders: trailers,
	})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// TestPutGetRoundTrip writes and reads objects of sizes around the inline
// limit and the chunk sizes through every payload mode the clients use,
// and compares SHA-256 of what was sent, what is stored and what comes
// back.
func TestPutGetRoundTrip(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "rtb")
	sizes := []int{0, 1, 128<<10 - 1, 128 << 10, 128<<10 + 1, 1<<20 + 1, 17 << 20}
	type client struct {
		name, mode string // mode: the x-amz-content-sha256 it must send
		checksum   string // the checksum it stores, "" for none
		put        func(key string, data []byte) error
	}
	plain, tls, mc, mct := &payloadRecorder{}, &payloadRecorder{https: true}, &payloadRecorder{}, &payloadRecorder{}
	sdkPlain, sdkTLS := sdkVia(s, s.Admin, plain), sdkVia(s, s.Admin, tls)
	mn, mnt := minioVia(t, s, s.Admin, mc, false), minioVia(t, s, s.Admin, mct, true)
	sdkPut := func(c *awss3.Client) func(string, []byte) error {
		return func(key string, data []byte) error {
			_, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("rtb"), Key: &key, Body: bytes.NewReader(data)})
			return err
		}
	}
	minioPut := func(c *minio.Client, opts minio.PutObjectOptions) func(string, []byte) error {
		return func(key string, data []byte) error {
			opts.DisableMultipart = true
			_, err := c.PutObject(ctx, "rtb", key, bytes.NewReader(data), int64(len(data)), opts)
			return err
		}
	}
	clients := []client{
		{"sdk-http", "hex", "x-amz-checksum-crc32", sdkPut(sdkPlain)},
		{"sdk-trailer", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "x-amz-checksum-crc32", sdkPut(sdkTLS)},
		{"minio-signed-chunks", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "", minioPut(mn, minio.PutObjectOptions{})},
		{"minio-signed-trailer", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", "x-amz-checksum-crc32c", minioPut(mnt, minio.PutObjectOptions{Checksum: minio.ChecksumCRC32C})},
	}
	recorders := map[string]*payloadRecorder{"sdk-http": plain, "sdk-trailer": tls, "minio-signed-chunks": mc, "minio-signed-trailer": mct}
	get := s.SDK(s.Admin)
	for _, c := range clients {
		for i, n := range sizes {
			if c.name == "minio-signed-trailer" && n > 2<<20 {
				continue // the signed trailer is the same code path at any size
			}
			key := fmt.Sprintf("%s/%d", c.name, n)
			t.Run(key, func(t *testing.T) {
				data := objData(uint64(i+1), n)
				if err := c.put(key, data); err != nil {
					t.Fatalf("put: %v", err)
				}
				mode, want := recorders[c.name].last(), c.mode
				if n == 0 && c.name == "sdk-trailer" {
					want = "UNSIGNED-PAYLOAD" // the SDK sends an empty body's checksum as a header
				}
				if n == 0 && c.name == "minio-signed-trailer" {
					want = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" // and minio-go none
				}
				if want == "hex" && mode != objSHA(data) || want != "hex" && mode != want {
					t.Fatalf("the client sent payload mode %q, want %s", mode, want)
				}
				stored, info := objStored(t, s, "/rtb/"+key)
				if objSHA(stored) != objSHA(data) || info.ETag() != objETag(data) {
					t.Fatalf("stored %d bytes %s (ETag %s), sent %d bytes %s", len(stored), objSHA(stored), info.ETag(), n, objSHA(data))
				}
				if c.checksum != "" && (n > 0 || c.name != "minio-signed-trailer") {
					h := sdkChecksum(c.checksum, data)
					if got := info.Meta[c.checksum]; got != h {
						t.Fatalf("stored %s %q, want %q", c.checksum, got, h)
					}
				}
				// The SDK asks for checksums and verifies them on GET.
				back, out := objGet(t, get, &awss3.GetObjectInput{Bucket: aws.String("rtb"), Key: &key})
				if objSHA(back) != objSHA(data) || aws.ToString(out.ETag) != objETag(data) || aws.ToInt64(out.ContentLength) != int64(n) {
					t.Fatalf("got %d bytes %s ETag %s, want %d bytes %s", len(back), objSHA(back), aws.ToString(out.ETag), n, objSHA(data))
				}
			})
		}
	}
	// minio-go reads back too.
	o, err := mn.GetObject(ctx, "rtb", "minio-signed-chunks/131073", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	back, err := io.ReadAll(o)
	if err != nil || objSHA(back) != objSHA(objData(5, 131073)) {
		t.Fatalf("minio GetObject: %d bytes, %v", len(back), err)
	}
}

// sdkChecksum is the base64 checksum name of data.
func sdkChecksum(name string, data []byte) string {
	var sum []byte
	switch name {
	case "x-amz-checksum-crc32":
		sum = be32(crc32.ChecksumIEEE(data))
	case "x-amz-checksum-crc32c":
		sum = be32(crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	case "x-amz-checksum-sha256":
		h := sha256.Sum256(data)
		sum = h[:]
	default:
		panic(name)
	}
	return base64.StdEncoding.EncodeToString(sum)
}

func be32(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }

// rawRequest is a request signed with the SDK's signer, for what the
// clients will not send: tampered bodies, cut connections, odd headers.
// payload is the x-amz-content-sha256 to sign ("" for UNSIGNED-PAYLOAD).
func rawRequest(t testing.TB, s *server, c creds, method, target string, body []byte, payload string, hdr map[string]string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+target, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if payload == "" {
		payload = "UNSIGNED-PAYLOAD"
	}
	req.Header.Set("X-Amz-Content-Sha256", payload)
	err = v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: c.Access, SecretAccessKey: c.Secret}, req, payload, "s3", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// rawDo sends a request and returns its status, headers and body.
func rawDo(t testing.TB, req *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// wantS3Error checks a raw answer's status and error code.
func wantS3Error(t testing.TB, status int, body string, wantStatus int, code string) {
	t.Helper()
	if status != wantStatus || !strings.Contains(body, "<Code>"+code+"</Code>") {
		t.Fatalf("answer %d %s, want %d %s", status, body, wantStatus, code)
	}
}

func TestTamperedBodyStoresNothing(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	objPut(t, s.SDK(s.Admin), "bkt", "k", []byte("original"))
	for _, n := range []int{10, 300 << 10} { // inline and streamed
		sent := objData(1, n)
		signed := objData(2, n)
		sentMD5 := md5.Sum(sent) // a Content-MD5 of the bytes sent does not help
		for _, key := range []string{"k", fmt.Sprintf("new-%d", n)} {
			for _, hdr := range []map[string]string{nil, {"Content-Md5": base64.StdEncoding.EncodeToString(sentMD5[:])}} {
				st, _, body := rawDo(t, rawRequest(t, s, s.Admin, "PUT", "/bkt/"+key, sent, objSHA(signed), hdr))
				wantS3Error(t, st, body, http.StatusBadRequest, "XAmzContentSHA256Mismatch")
			}
		}
		if _, err := s.As(s.Admin).Stat(ctx, fmt.Sprintf("/bkt/new-%d", n)); !storage.Is(storage.NotFound, err) {
			t.Fatalf("a tampered new object exists: %v", err)
		}
	}
	if got, _ := objStored(t, s, "/bkt/k"); string(got) != "original" || objVersions(t, s, "/bkt/k") != 1 {
		t.Fatalf("the tampered PUTs changed the object: %q, %d versions", got, objVersions(t, s, "/bkt/k"))
	}
	// The signed hash of the right body is accepted.
	st, _, body := rawDo(t, rawRequest(t, s, s.Admin, "PUT", "/bkt/k", []byte("new"), objSHA([]byte("new")), nil))
	if st != http.StatusOK {
		t.Fatalf("PUT with the right hash: %d %s", st, body)
	}
}

// TestCutUploadKeepsPreviousVersion sends part of a body and closes the
// connection's sending side: the namespace refuses the short content and
// the previous version stays.
func TestCutUploadKeepsPreviousVersion(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	old := objData(1, 1000)
	objPut(t, s.SDK(s.Admin), "bkt", "k", old)
	for _, n := range []int{1000, 3 << 20} { // inline and streamed content
		for _, payload := range []string{"", objSHA(objData(2, n))} {
			t.Run(fmt.Sprintf("%d-%t", n, payload != ""), func(t *testing.T) {
				req := rawRequest(t, s, s.Admin, "PUT", "/bkt/k", nil, payload, nil)
				req.ContentLength = int64(n)
				status, body := cutRequest(t, s, req, objData(2, n)[:n/2])
				wantS3Error(t, status, body, http.StatusBadRequest, "IncompleteBody")
				if got, _ := objStored(t, s, "/bkt/k"); !bytes.Equal(got, old) || objVersions(t, s, "/bkt/k") != 1 {
					t.Fatalf("the cut upload changed the object: %d bytes, %d versions", len(got), objVersions(t, s, "/bkt/k"))
				}
			})
		}
	}
}

// cutRequest writes req's head and part of its body on a raw connection,
// closes the sending side, and reads the answer.
func cutRequest(t testing.TB, s *server, req *http.Request, part []byte) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", req.Method, req.URL.RequestURI(), req.Host, req.ContentLength)
	req.Header.Write(w)
	w.WriteString("\r\n")
	w.Write(part)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPutTooLarge(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	req := rawRequest(t, s, s.Admin, "PUT", "/bkt/huge", nil, "", nil)
	req.ContentLength = 5<<30 + 1
	status, body := cutRequest(t, s, req, []byte("only this"))
	wantS3Error(t, status, body, http.StatusBadRequest, "EntityTooLarge")
	if _, err := s.As(s.Admin).Stat(ctx, "/bkt/huge"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("stat: %v", err)
	}
}

func TestContentMD5(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	c := s.SDK(s.Admin)
	data := objData(1, 200<<10)
	sum := md5.Sum(data)
	good := base64.StdEncoding.EncodeToString(sum[:])
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: bytes.NewReader(data), ContentMD5: &good}); err != nil {
		t.Fatalf("PutObject with the right Content-MD5: %v", err)
	}
	for _, n := range []int{100, 200 << 10} {
		other := objData(2, n)
		wrong := md5.Sum(objData(3, n))
		_, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: bytes.NewReader(other), ContentMD5: aws.String(base64.StdEncoding.EncodeToString(wrong[:]))})
		if apiCode(err) != "BadDigest" {
			t.Fatalf("PutObject of %d bytes with a wrong Content-MD5: %v", n, err)
		}
		_, err = c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: bytes.NewReader(other), ContentMD5: aws.String("not-md5")})
		if apiCode(err) != "InvalidDigest" {
			t.Fatalf("PutObject with a malformed Content-MD5: %v", err)
		}
	}
	if got, _ := objStored(t, s, "/bkt/k"); !bytes.Equal(got, data) || objVersions(t, s, "/bkt/k") != 1 {
		t.Fatalf("refused PUTs changed the object")
	}
	// minio-go sends Content-MD5 when asked.
	mn := s.Minio(t, s.Admin)
	if _, err := mn.PutObject(ctx, "bkt", "m", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{SendContentMd5: true, DisableMultipart: true}); err != nil {
		t.Fatalf("minio PutObject with Content-MD5: %v", err)
	}
}

// TestChecksums: a checksum sent as a header or a trailer is verified,
// stored and answered with x-amz-checksum-mode: ENABLED; a wrong one
// stores nothing.
func TestChecksums(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	data := objData(1, 300<<10)
	for _, https := range []bool{false, true} {
		c := sdkVia(s, s.Admin, &payloadRecorder{https: https})
		for alg, name := range map[types.ChecksumAlgorithm]string{types.ChecksumAlgorithmSha256: "x-amz-checksum-sha256", types.ChecksumAlgorithmCrc32c: "x-amz-checksum-crc32c"} {
			key := fmt.Sprintf("%s-%t", alg, https)
			if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: &key, Body: bytes.NewReader(data), ChecksumAlgorithm: alg}); err != nil {
				t.Fatalf("PutObject %s: %v", key, err)
			}
			want := sdkChecksum(name, data)
			_, out := objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: &key, ChecksumMode: types.ChecksumModeEnabled})
			head, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("bkt"), Key: &key, ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			got, hgot := aws.ToString(out.ChecksumCRC32C), aws.ToString(head.ChecksumCRC32C)
			if alg == types.ChecksumAlgorithmSha256 {
				got, hgot = aws.ToString(out.ChecksumSHA256), aws.ToString(head.ChecksumSHA256)
			}
			if got != want || hgot != want || out.ChecksumType != types.ChecksumTypeFullObject {
				t.Fatalf("%s: GET answers %q (%s), HEAD %q, want %q", key, got, out.ChecksumType, hgot, want)
			}
		}
	}
	// Without checksum mode, or for a range, no checksum is answered.
	st, h, _ := rawDo(t, rawRequest(t, s, s.Admin, "GET", "/bkt/SHA256-false", nil, "", nil))
	if st != 200 || h.Get("X-Amz-Checksum-Sha256") != "" {
		t.Fatalf("GET without checksum mode: %d, checksum %q", st, h.Get("X-Amz-Checksum-Sha256"))
	}
	st, h, _ = rawDo(t, rawRequest(t, s, s.Admin, "GET", "/bkt/SHA256-false", nil, "", map[string]string{"X-Amz-Checksum-Mode": "ENABLED", "Range": "bytes=0-9"}))
	if st != 206 || h.Get("X-Amz-Checksum-Sha256") != "" {
		t.Fatalf("range GET with checksum mode: %d, checksum %q", st, h.Get("X-Amz-Checksum-Sha256"))
	}

	// A wrong header checksum, a wrong trailer: BadDigest, nothing stored.
	wrong := sdkChecksum("x-amz-checksum-crc32", []byte("something else"))
	st, _, body := rawDo(t, rawRequest(t, s, s.Admin, "PUT", "/bkt/bad-header", data, objSHA(data), map[string]string{"X-Amz-Checksum-Crc32": wrong}))
	wantS3Error(t, st, body, http.StatusBadRequest, "BadDigest")
	enc := trailerEncode(data, "x-amz-checksum-crc32:"+wrong)
	st, _, body = rawDo(t, trailerRequest(t, s, "/bkt/bad-trailer", enc, len(data)))
	wantS3Error(t, st, body, http.StatusBadRequest, "BadDigest")
	st, _, body = rawDo(t, rawRequest(t, s, s.Admin, "PUT", "/bkt/malformed", data, "", map[string]string{"X-Amz-Checksum-Crc32": "!!"}))
	wantS3Error(t, st, body, http.StatusBadRequest, "InvalidDigest")
	st, _, body = rawDo(t, rawRequest(t, s, s.Admin, "PUT", "/bkt/two", data, "", map[string]string{"X-Amz-Checksum-Crc32": wrong, "X-Amz-Checksum-Sha1": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}))
	wantS3Error(t, st, body, http.StatusBadRequest, "InvalidRequest")
	for _, k := range []string{"bad-header", "bad-trailer", "malformed", "two"} {
		if _, err := s.As(s.Admin).Stat(ctx, "/bkt/"+k); !storage.Is(storage.NotFound, err) {
			t.Fatalf("%s was stored: %v", k, err)
		}
	}
	// The right trailer, raw: stored.
	good := sdkChecksum("x-amz-checksum-crc32", data)
	st, h, body = rawDo(t, trailerRequest(t, s, "/bkt/good-trailer", trailerEncode(data, "x-amz-checksum-crc32:"+good), len(data)))
	if st != 200 || h.Get("X-Amz-Checksum-Crc32") != good {
		t.Fatalf("PUT with a good trailer: %d %s %v", st, body, h)
	}
	if _, info := objStored(t, s, "/bkt/good-trailer"); info.Meta["x-amz-checksum-crc32"] != good {
		t.Fatalf("stored meta %v", info.Meta)
	}
	// An algorithm asked for without a value: computed and stored.
	st, _, body = rawDo(t, rawRequest(t, s, s.Admin, "PUT", "/bkt/computed", data, "", map[string]string{"X-Amz-Checksum-Algorithm": "SHA256"}))
	if st != 200 {
		t.Fatalf("PUT asking for SHA256: %d %s", st, body)
	}
	if _, info := objStored(t, s, "/bkt/computed"); info.Meta["x-amz-checksum-sha256"] != sdkChecksum("x-amz-checksum-sha256", data) {
		t.Fatalf("computed checksum %v", info.Meta)
	}
}

// trailerEncode encodes data as an unsigned aws-chunked body with one
// trailing header.
func trailerEncode(data []byte, trailer string) []byte {
	var b bytes.Buffer
	for len(data) > 0 {
		n := min(64<<10, len(data))
		fmt.Fprintf(&b, "%x\r\n", n)
		b.Write(data[:n])
		b.WriteString("\r\n")
		data = data[n:]
	}
	b.WriteString("0\r\n" + trailer + "\r\n\r\n")
	return b.Bytes()
}

func trailerRequest(t testing.TB, s *server, target string, enc []byte, decoded int) *http.Request {
	t.Helper()
	return rawRequest(t, s, s.Admin, "PUT", target, enc, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", map[string]string{
		"Content-Encoding":             "aws-chunked",
		"X-Amz-Decoded-Content-Length": strconv.Itoa(decoded),
		"X-Amz-Trailer":                "x-amz-checksum-crc32",
	})
}

func TestMetadataRoundTrip(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	c := s.SDK(s.Admin)
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	_, err := c.PutObject(ctx, &awss3.PutObjectInput{
		Bucket: aws.String("bkt"), Key: aws.String("doc.txt"), Body: strings.NewReader("hello"),
		ContentType: aws.String("text/plain; charset=utf-8"), ContentDisposition: aws.String(`attachment; filename="doc.txt"`),
		ContentEncoding: aws.String("identity"), ContentLanguage: aws.String("fr"), CacheControl: aws.String("max-age=60"),
		Expires:  &expires,
		Metadata: map[string]string{"color": "blue", "Camel-Case": "Été ok"},
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, ct, cd, ce, cl, cc *string, meta map[string]string) {
		t.Helper()
		if aws.ToString(ct) != "text/plain; charset=utf-8" || aws.ToString(cd) != `attachment; filename="doc.txt"` || aws.ToString(ce) != "identity" ||
			aws.ToString(cl) != "fr" || aws.ToString(cc) != "max-age=60" || meta["color"] != "blue" || meta["camel-case"] != "Été ok" {
			t.Fatalf("%s: %q %q %q %q %q %v", what, aws.ToString(ct), aws.ToString(cd), aws.ToString(ce), aws.ToString(cl), aws.ToString(cc), meta)
		}
	}
	head, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("doc.txt")})
	if err != nil {
		t.Fatal(err)
	}
	check("HEAD", head.ContentType, head.ContentDisposition, head.ContentEncoding, head.ContentLanguage, head.CacheControl, head.Metadata)
	if aws.ToString(head.ExpiresString) != expires.Format(http.TimeFormat) || aws.ToInt64(head.ContentLength) != 5 || aws.ToString(head.ETag) != objETag([]byte("hello")) {
		t.Fatalf("HEAD: expires %q, length %d, ETag %s", aws.ToString(head.ExpiresString), aws.ToInt64(head.ContentLength), aws.ToString(head.ETag))
	}
	if head.LastModified == nil || time.Since(*head.LastModified) > time.Minute {
		t.Fatalf("Last-Modified %v", head.LastModified)
	}
	body, get := objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("doc.txt")})
	check("GET", get.ContentType, get.ContentDisposition, get.ContentEncoding, get.ContentLanguage, get.CacheControl, get.Metadata)
	if string(body) != "hello" || aws.ToString(get.AcceptRanges) != "bytes" {
		t.Fatalf("GET %q, Accept-Ranges %q", body, aws.ToString(get.AcceptRanges))
	}
	// minio-go sees the same.
	st, err := s.Minio(t, s.Admin).StatObject(ctx, "bkt", "doc.txt", minio.StatObjectOptions{})
	if err != nil || st.ContentType != "text/plain; charset=utf-8" || st.UserMetadata["Color"] != "blue" || st.Size != 5 {
		t.Fatalf("minio StatObject: %+v %v", st, err)
	}
	// An object stored without a type is answered as S3 does.
	if st, _, body := rawDo(t, rawRequest(t, s, s.Admin, "PUT", "/bkt/plain", []byte("x"), "", nil)); st != 200 {
		t.Fatalf("PUT: %d %s", st, body)
	}
	st2, h, _ := rawDo(t, rawRequest(t, s, s.Admin, "HEAD", "/bkt/plain", nil, "", nil))
	if st2 != 200 || h.Get("Content-Type") != "binary/octet-stream" {
		t.Fatalf("HEAD of a typeless object: %d %v", st2, h)
	}
}

func TestResponseOverrides(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	c := s.SDK(s.Admin)
	objPut(t, c, "bkt", "k", []byte("data"))
	exp := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	_, out := objGet(t, c, &awss3.GetObjectInput{
		Bucket: aws.String("bkt"), Key: aws.String("k"),
		ResponseContentType: aws.String("image/png"), ResponseContentDisposition: aws.String("inline"),
		ResponseContentEncoding: aws.String("identity"), ResponseContentLanguage: aws.String("de"),
		ResponseCacheControl: aws.String("no-store"), ResponseExpires: &exp,
	})
	if aws.ToString(out.ContentType) != "image/png" || aws.ToString(out.ContentDisposition) != "inline" || aws.ToString(out.ContentEncoding) != "identity" ||
		aws.ToString(out.ContentLanguage) != "de" || aws.ToString(out.CacheControl) != "no-store" || aws.ToString(out.ExpiresString) != exp.Format(http.TimeFormat) {
		t.Fatalf("overrides: %q %q %q %q %q %q", aws.ToString(out.ContentType), aws.ToString(out.ContentDisposition), aws.ToString(out.ContentEncoding),
			aws.ToString(out.ContentLanguage), aws.ToString(out.CacheControl), aws.ToString(out.ExpiresString))
	}
}

func TestRanges(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	c := s.SDK(s.Admin)
	data := objData(1, 1000)
	objPut(t, c, "bkt", "k", data)
	objPut(t, c, "bkt", "empty", nil)
	for _, tc := range []struct {
		rg         string
		start, end int // the bytes answered, end exclusive
		partial    bool
	}{
		{"bytes=0-0", 0, 1, true},
		{"bytes=10-19", 10, 20, true},
		{"bytes=990-", 990, 1000, true},
		{"bytes=-5", 995, 1000, true},
		{"bytes=-5000", 0, 1000, true},
		{"bytes=500-5000", 500, 1000, true},
		{"bytes=0-1,5-6", 0, 1000, false}, // several ranges: the whole object, as S3
		{"bytes=9-3", 0, 1000, false},     // malformed: ignored
		{"items=0-3", 0, 1000, false},
	} {
		t.Run(tc.rg, func(t *testing.T) {
			b, out := objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Range: aws.String(tc.rg)})
			if !bytes.Equal(b, data[tc.start:tc.end]) {
				t.Fatalf("got %d bytes, want [%d,%d)", len(b), tc.start, tc.end)
			}
			want := ""
			if tc.partial {
				want = fmt.Sprintf("bytes %d-%d/1000", tc.start, tc.end-1)
			}
			if aws.ToString(out.ContentRange) != want || aws.ToInt64(out.ContentLength) != int64(tc.end-tc.start) {
				t.Fatalf("Content-Range %q length %d, want %q", aws.ToString(out.ContentRange), aws.ToInt64(out.ContentLength), want)
			}
		})
	}
	for _, tc := range []struct{ key, rg, size string }{{"k", "bytes=1000-", "1000"}, {"k", "bytes=-0", "1000"}, {"empty", "bytes=0-", "0"}} {
		st, h, body := rawDo(t, rawRequest(t, s, s.Admin, "GET", "/bkt/"+tc.key, nil, "", map[string]string{"Range": tc.rg}))
		wantS3Error(t, st, body, http.StatusRequestedRangeNotSatisfiable, "InvalidRange")
		if h.Get("Content-Range") != "bytes */"+tc.size {
			t.Fatalf("%s: Content-Range %q", tc.rg, h.Get("Content-Range"))
		}
	}
	// partNumber 1 of a single-part object is the object.
	b, out := objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), PartNumber: aws.Int32(1)})
	if !bytes.Equal(b, data) || aws.ToString(out.ContentRange) != "bytes 0-999/1000" {
		t.Fatalf("partNumber=1: %d bytes, %q", len(b), aws.ToString(out.ContentRange))
	}
	if _, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), PartNumber: aws.Int32(2)}); apiCode(err) != "InvalidPartNumber" {
		t.Fatalf("partNumber=2: %v", err)
	}
	// HEAD answers the range's length.
	h, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Range: aws.String("bytes=0-99")})
	if err != nil || aws.ToInt64(h.ContentLength) != 100 {
		t.Fatalf("HEAD with a range: %v %v", err, h)
	}
}

// conditionalObject stores bkt/k for the tests of conditions, and gives its
// ETag and Last-Modified.
func conditionalObject(t *testing.T) (s *server, c *awss3.Client, etag string, mod time.Time) {
	t.Helper()
	s = newServer(t)
	objBucket(t, s, "bkt")
	c = s.SDK(s.Admin)
	etag = aws.ToString(objPut(t, c, "bkt", "k", []byte("content")).ETag)
	head, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	return s, c, etag, *head.LastModified
}

func TestConditionalGet(t *testing.T) {
	s, c, etag, mod := conditionalObject(t)
	past, future := mod.Add(-time.Hour), mod.Add(time.Hour)
	for _, tc := range []struct {
		name                          string
		ifMatch, ifNoneMatch          string
		ifModifiedSince, ifUnmodSince *time.Time
		status                        int
	}{
		{name: "If-Match", ifMatch: etag, status: 200},
		{name: "If-Match unquoted", ifMatch: strings.Trim(etag, `"`), status: 200},
		{name: "If-Match star", ifMatch: "*", status: 200},
		{name: "If-Match list", ifMatch: `"0000", ` + etag, status: 200},
		{name: "If-Match wrong", ifMatch: `"0000"`, status: 412},
		{name: "If-None-Match", ifNoneMatch: etag, status: 304},
		{name: "If-None-Match weak", ifNoneMatch: "W/" + etag, status: 304},
		{name: "If-None-Match other", ifNoneMatch: `"0000"`, status: 200},
		{name: "If-Modified-Since past", ifModifiedSince: &past, status: 200},
		{name: "If-Modified-Since now", ifModifiedSince: &mod, status: 304},
		{name: "If-Modified-Since future", ifModifiedSince: &future, status: 304},
		{name: "If-Unmodified-Since past", ifUnmodSince: &past, status: 412},
		{name: "If-Unmodified-Since now", ifUnmodSince: &mod, status: 200},
		// RFC 9110 §13.2.2, as S3 documents: If-Match decides over
		// If-Unmodified-Since, If-None-Match over If-Modified-Since.
		{name: "If-Match true, If-Unmodified-Since false", ifMatch: etag, ifUnmodSince: &past, status: 200},
		{name: "If-None-Match true, If-Modified-Since false", ifNoneMatch: `"0000"`, ifModifiedSince: &future, status: 200},
		{name: "If-None-Match false, If-Modified-Since true", ifNoneMatch: etag, ifModifiedSince: &past, status: 304},
		{name: "If-Match false, If-None-Match true", ifMatch: `"0000"`, ifNoneMatch: `"1111"`, status: 412},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfModifiedSince: tc.ifModifiedSince, IfUnmodifiedSince: tc.ifUnmodSince}
			hin := &awss3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfModifiedSince: tc.ifModifiedSince, IfUnmodifiedSince: tc.ifUnmodSince}
			if tc.ifMatch != "" {
				in.IfMatch, hin.IfMatch = &tc.ifMatch, &tc.ifMatch
			}
			if tc.ifNoneMatch != "" {
				in.IfNoneMatch, hin.IfNoneMatch = &tc.ifNoneMatch, &tc.ifNoneMatch
			}
			out, err := c.GetObject(ctx, in)
			status := 200
			if err != nil {
				status = objStatus(err)
			} else {
				b, _ := io.ReadAll(out.Body)
				out.Body.Close()
				if string(b) != "content" {
					t.Fatalf("GET %q", b)
				}
			}
			_, herr := c.HeadObject(ctx, hin)
			hstatus := 200
			if herr != nil {
				hstatus = objStatus(herr)
			}
			if status != tc.status || hstatus != tc.status {
				t.Fatalf("GET %d (%v), HEAD %d, want %d", status, err, hstatus, tc.status)
			}
			if tc.status == 412 && apiCode(err) != "PreconditionFailed" {
				t.Fatalf("GET: %v", err)
			}
		})
	}
	// A 304 carries the validators.
	st, h, body := rawDo(t, rawRequest(t, s, s.Admin, "GET", "/bkt/k", nil, "", map[string]string{"If-None-Match": etag}))
	if st != 304 || h.Get("ETag") != etag || h.Get("Last-Modified") != mod.UTC().Format(http.TimeFormat) || body != "" {
		t.Fatalf("304: %d %v %q", st, h, body)
	}
}

func TestVersionedObjects(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "plain")
	objBucket(t, s, "ver")
	objVersioned(t, s, "ver")
	c := s.SDK(s.Admin)
	if out := objPut(t, c, "plain", "k", []byte("one")); out.VersionId != nil {
		t.Fatalf("unversioned bucket answered version %q", aws.ToString(out.VersionId))
	}
	if _, out := objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("k")}); out.VersionId != nil {
		t.Fatalf("unversioned GET answered version %q", aws.ToString(out.VersionId))
	}
	v1 := objPut(t, c, "ver", "k", []byte("one"))
	v2 := objPut(t, c, "ver", "k", []byte("two"))
	if v1.VersionId == nil || v2.VersionId == nil || *v1.VersionId == *v2.VersionId {
		t.Fatalf("versions %v %v", aws.ToString(v1.VersionId), aws.ToString(v2.VersionId))
	}
	b, out := objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("ver"), Key: aws.String("k")})
	if string(b) != "two" || aws.ToString(out.VersionId) != *v2.VersionId {
		t.Fatalf("current: %q %s", b, aws.ToString(out.VersionId))
	}
	b, out = objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("ver"), Key: aws.String("k"), VersionId: v1.VersionId})
	if string(b) != "one" || aws.ToString(out.VersionId) != *v1.VersionId || aws.ToString(out.ETag) != objETag([]byte("one")) {
		t.Fatalf("version 1: %q %s %s", b, aws.ToString(out.VersionId), aws.ToString(out.ETag))
	}
	h, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("ver"), Key: aws.String("k"), VersionId: v1.VersionId})
	if err != nil || aws.ToInt64(h.ContentLength) != 3 || aws.ToString(h.ETag) != objETag([]byte("one")) || aws.ToString(h.VersionId) != *v1.VersionId {
		t.Fatalf("HEAD version 1: %v %+v", err, h)
	}
	if _, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("ver"), Key: aws.String("k"), VersionId: aws.String("999999")}); apiCode(err) != "NoSuchVersion" {
		t.Fatalf("unknown version: %v", err)
	}
	if _, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("ver"), Key: aws.String("k"), VersionId: aws.String("999999")}); objStatus(err) != 404 {
		t.Fatalf("HEAD unknown version: %v", err)
	}
	if _, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("ver"), Key: aws.String("k"), VersionId: aws.String("x1")}); apiCode(err) != "InvalidArgument" {
		t.Fatalf("malformed version: %v", err)
	}
}

func TestFolderKeys(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	c := s.SDK(s.Admin)
	out := objPut(t, c, "bkt", "dir/sub/", nil)
	if aws.ToString(out.ETag) != `"d41d8cd98f00b204e9800998ecf8427e"` {
		t.Fatalf("folder ETag %s", aws.ToString(out.ETag))
	}
	if info, err := s.As(s.Admin).Stat(ctx, "/bkt/dir/sub"); err != nil || !info.Dir {
		t.Fatalf("the folder: %+v %v", info, err)
	}
	objPut(t, c, "bkt", "dir/sub/", nil) // again: still fine
	h, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/")})
	if err != nil || aws.ToInt64(h.ContentLength) != 0 || aws.ToString(h.ETag) != `"d41d8cd98f00b204e9800998ecf8427e"` {
		t.Fatalf("HEAD dir/: %v %+v", err, h)
	}
	if b, _ := objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/sub/")}); len(b) != 0 {
		t.Fatalf("GET dir/sub/: %q", b)
	}
	if _, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir")}); objStatus(err) != 404 {
		t.Fatalf("HEAD dir: %v", err)
	}
	if _, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir")}); apiCode(err) != "NoSuchKey" {
		t.Fatalf("GET dir: %v", err)
	}
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("full/"), Body: strings.NewReader("x")}); apiCode(err) != "InvalidArgument" {
		t.Fatalf("PUT of content at a folder key: %v", err)
	}
	// Keys imply folders; a file in the way is a conflict.
	objPut(t, c, "bkt", "a/b/c.txt", []byte("c"))
	if info, err := s.As(s.Admin).Stat(ctx, "/bkt/a/b"); err != nil || !info.Dir {
		t.Fatalf("implied folder: %v", err)
	}
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("a/b/c.txt/d"), Body: strings.NewReader("x")}); apiCode(err) != "KeyConflict" {
		t.Fatalf("PUT below a file: %v", err)
	}
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("a/b"), Body: strings.NewReader("x")}); apiCode(err) != "KeyConflict" {
		t.Fatalf("PUT onto a folder: %v", err)
	}
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("a/b/c.txt/"), Body: strings.NewReader("")}); apiCode(err) != "KeyConflict" {
		t.Fatalf("folder PUT onto a file: %v", err)
	}
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("a//b"), Body: strings.NewReader("x")}); apiCode(err) != "InvalidObjectName" {
		t.Fatalf("PUT a//b: %v", err)
	}
}

func TestMissingObjects(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	c := s.SDK(s.Admin)
	if _, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("nope")}); apiCode(err) != "NoSuchKey" {
		t.Fatalf("GET missing key: %v", err)
	}
	if _, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("nobucket"), Key: aws.String("k")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("GET in a missing bucket: %v", err)
	}
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("nobucket"), Key: aws.String("a/k"), Body: strings.NewReader("x")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("PUT in a missing bucket: %v", err)
	}
	if _, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("nope")}); objStatus(err) != 404 {
		t.Fatalf("HEAD missing key: %v", err)
	}
	// Bob sees nothing of the bucket: it does not exist for him.
	if _, err := s.SDK(s.User).GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("nope")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("bob's GET: %v", err)
	}
}

func TestConditionalPut(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	c := s.SDK(s.Admin)
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("1"), IfNoneMatch: aws.String("*")}); err != nil {
		t.Fatalf("create-only PUT of a new key: %v", err)
	}
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("2"), IfNoneMatch: aws.String("*")}); objStatus(err) != 412 {
		t.Fatalf("create-only PUT of an existing key: %v", err)
	}
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("2"), IfMatch: aws.String(`"0000"`)}); objStatus(err) != 412 {
		t.Fatalf("PUT with a wrong If-Match: %v", err)
	}
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("2"), IfMatch: aws.String(objETag([]byte("1")))}); err != nil {
		t.Fatalf("PUT with the right If-Match: %v", err)
	}
	if got, _ := objStored(t, s, "/bkt/k"); string(got) != "2" || objVersions(t, s, "/bkt/k") != 2 {
		t.Fatalf("content %q", got)
	}
}

// objGrantBob gives bob rights on a bucket.
func objGrantBob(t testing.TB, s *server, bucket string, r storage.Rights) {
	t.Helper()
	if err := s.As(s.Admin).SetGrant(ctx, "/"+bucket, storage.Subject{ID: s.User.Principal.UserID}, r); err != nil {
		t.Fatal(err)
	}
}

func TestLockedKeyRefusesWrites(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	objGrantBob(t, s, "bkt", storage.AllRights)
	objPut(t, s.SDK(s.Admin), "bkt", "k", []byte("locked content"))
	if _, err := s.As(s.Admin).Lock(ctx, "/bkt/k", storage.LockOptions{}); err != nil {
		t.Fatal(err)
	}
	bob := s.SDK(s.User)
	_, err := bob.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("bob's")})
	if apiCode(err) != "Locked" || objStatus(err) != http.StatusLocked || !strings.Contains(err.Error(), "admin") {
		t.Fatalf("bob's PUT onto a locked key: %v", err)
	}
	if got, _ := objStored(t, s, "/bkt/k"); string(got) != "locked content" {
		t.Fatalf("content %q", got)
	}
	// Reading is still allowed.
	if b, _ := objGet(t, bob, &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")}); string(b) != "locked content" {
		t.Fatalf("bob's GET %q", b)
	}
}

// TestConcurrentWriters: writers racing on one key all succeed, each
// adds a version, and the final content is one of theirs, whole.
func TestConcurrentWriters(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	const writers = 8
	sums := map[string]bool{}
	var datas [writers][]byte
	for i := range writers {
		n := 50 << 10
		if i%2 == 1 {
			n = 300 << 10 // inline and streamed content race together
		}
		datas[i] = objData(uint64(i+1), n)
		sums[objSHA(datas[i])] = true
	}
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			c := s.SDK(s.Admin)
			if i%2 == 0 {
				c = sdkVia(s, s.Admin, &payloadRecorder{https: true})
			}
			_, errs[i] = c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("hot"), Body: bytes.NewReader(datas[i])})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	b, out := objGet(t, s.SDK(s.Admin), &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("hot")})
	if !sums[objSHA(b)] || aws.ToString(out.ETag) != objETag(b) {
		t.Fatalf("final content (%d bytes) is none of the writers'", len(b))
	}
	if n := objVersions(t, s, "/bkt/hot"); n != writers {
		t.Fatalf("%d versions, want %d", n, writers)
	}
}

// TestPutKeysWithOddCharacters: keys that need escaping go through the
// signature and the path mapping unchanged.
func TestPutKeysWithOddCharacters(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	c := s.SDK(s.Admin)
	for _, key := range []string{"sp ace", "été/ü.txt", "a+b=c&d", "percent%2Fkey", "q?x=1#frag", "tilde~!$'()*,;:@"} {
		data := []byte("content of " + key)
		objPut(t, c, "bkt", key, data)
		if b, _ := objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key)}); !bytes.Equal(b, data) {
			t.Fatalf("%q: got %q", key, b)
		}
		if got, _ := objStored(t, s, "/bkt/"+key); !bytes.Equal(got, data) {
			t.Fatalf("%q stored as %q", key, got)
		}
	}
}
