package sigv4

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"coffre/storage"
)

// TestChunkedGolden is the example of the AWS documentation page
// "Signature Calculations for the Authorization Header: Transferring Payload
// in Multiple Chunks (Chunked Upload)": 66560 bytes of 'a' in a 64 KiB and a
// 1 KiB chunk.
func TestChunkedGolden(t *testing.T) {
	const (
		secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
		seed   = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
	)
	payload := bytes.Repeat([]byte{'a'}, 66560)
	body := fmt.Sprintf("10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n%s\r\n"+
		"400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n%s\r\n"+
		"0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n",
		payload[:65536], payload[65536:])
	if len(body) != 66824 {
		t.Fatalf("encoded length %d, the documentation says 66824", len(body))
	}
	newReq := func(b string) *http.Request {
		r := httptest.NewRequest("PUT", "http://s3.amazonaws.com/examplebucket/chunkObject.txt", strings.NewReader(b))
		r.Header.Set("X-Amz-Date", "20130524T000000Z")
		r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"+
			"SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"+
			"Signature="+seed)
		r.Header.Set("X-Amz-Content-Sha256", streamingSigned)
		r.Header.Set("Content-Encoding", "aws-chunked")
		r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
		r.Header.Set("Content-Length", "66824")
		return r
	}
	v := New(func(_ context.Context, key string) (string, error) {
		if key != "AKIAIOSFODNN7EXAMPLE" {
			return "", storage.Errorf("lookup", storage.Unauthenticated, "", "unknown")
		}
		return secret, nil
	},
		Options{Now: func() time.Time { return time.Date(2013, 5, 24, 0, 5, 0, 0, time.UTC) }})
	res, err := v.Verify(t.Context(), newReq(body))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	if !bytes.Equal(got, payload) || res.Size != 66560 {
		t.Fatalf("decoded %d bytes, size %d", len(got), res.Size)
	}
	// A flipped byte in the second chunk fails at that chunk's end.
	bad := []byte(body)
	bad[65536+200] ^= 1
	res, err = v.Verify(t.Context(), newReq(string(bad)))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	_, err = io.ReadAll(res.Body)
	wantCode(t, err, SignatureDoesNotMatch)
}

// streamReq signs a streaming PUT with the AWS SDK signer (which computes
// the seed signature) and returns it with its seed; body is set by the
// caller, with the encoded length given here.
func streamReq(t *testing.T, srv *httptest.Server, mode string, decoded, encoded int, hdr map[string]string) *http.Request {
	t.Helper()
	req := newRequest(t, srv, "PUT", "/bucket/big object", "", nil)
	req.ContentLength = int64(encoded)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(decoded))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	sign(t, req, creds(testKey, testSecret), mode, testTime)
	return req
}

func TestChunkedSigned(t *testing.T) {
	key := signingKey(testSecret, testTime.Format(dateFormat), testRegion, "s3")
	scope := testTime.Format(dateFormat) + "/" + testRegion + "/s3/aws4_request"
	amzDate := testTime.Format(timeFormat)
	payload := make([]byte, 200_000)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	dummy := strings.Repeat("0", 64)
	cases := []struct {
		name   string
		data   []byte
		size   int
		tamper func([]byte) []byte
		code   Code
	}{
		{name: "several chunks", data: payload, size: 64 << 10},
		{name: "one chunk", data: payload[:1000], size: 64 << 10},
		{name: "empty", data: nil, size: 64 << 10},
		{name: "flipped byte", data: payload, size: 64 << 10, tamper: func(b []byte) []byte { b[100_000] ^= 0x20; return b }, code: SignatureDoesNotMatch},
		{name: "tampered chunk signature", data: payload, size: 64 << 10, tamper: func(b []byte) []byte {
			i := bytes.Index(b, []byte("chunk-signature=")) + len("chunk-signature=")
			b[i] = 'x' ^ b[i] ^ 'y'
			return b
		}, code: SignatureDoesNotMatch},
		{name: "tampered final signature", data: payload[:10], size: 64 << 10, tamper: func(b []byte) []byte {
			i := bytes.LastIndex(b, []byte("chunk-signature=")) + len("chunk-signature=")
			b[i] ^= 1
			return b
		}, code: SignatureDoesNotMatch},
		{name: "chunks swapped", data: payload, size: 1000, tamper: func(b []byte) []byte {
			// Swap the first two chunks of equal size: each signature is
			// valid on its own but the chain is broken.
			n := len("3e8;chunk-signature=") + 64 + 2 + 1000 + 2
			out := append([]byte{}, b[n:2*n]...)
			out = append(out, b[:n]...)
			return append(out, b[2*n:]...)
		}, code: SignatureDoesNotMatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, ch := server(t, verifierAt(testTime))
			enc := chunked(key, amzDate, scope, dummy, c.data, c.size)
			req := streamReq(t, srv, streamingSigned, len(c.data), len(enc), nil)
			enc = chunked(key, amzDate, scope, seedOf(t, req), c.data, c.size)
			if c.tamper != nil {
				enc = c.tamper(enc)
			}
			req.Body = httpBody(enc)
			req.ContentLength = int64(len(enc))
			o := send(t, req, ch)
			if o.err != nil {
				t.Fatalf("Verify: %v", o.err)
			}
			if c.code != "" {
				wantCode(t, o.bodyErr, c.code)
				return
			}
			if o.bodyErr != nil {
				t.Fatalf("body: %v", o.bodyErr)
			}
			if !bytes.Equal(o.body, c.data) || o.res.Size != int64(len(c.data)) {
				t.Fatalf("decoded %d bytes (size %d), want %d", len(o.body), o.res.Size, len(c.data))
			}
			if sum, ok := o.res.Checksum(); ok {
				t.Fatalf("a body without a trailer reports checksum %+v", sum)
			}
		})
	}
	t.Run("wrong decoded length", func(t *testing.T) {
		srv, ch := server(t, verifierAt(testTime))
		enc := chunked(key, amzDate, scope, dummy, payload[:5000], 4096)
		req := streamReq(t, srv, streamingSigned, 4999, len(enc), nil)
		req.Body = httpBody(chunked(key, amzDate, scope, seedOf(t, req), payload[:5000], 4096))
		wantCode(t, send(t, req, ch).bodyErr, IncompleteBody)
	})
}

// trailerBody encodes data as STREAMING-UNSIGNED-PAYLOAD-TRAILER with the
// given trailing header.
func trailerBody(data []byte, size int, trailer string) []byte {
	var b bytes.Buffer
	for len(data) > 0 {
		n := min(size, len(data))
		fmt.Fprintf(&b, "%x\r\n", n)
		b.Write(data[:n])
		b.WriteString("\r\n")
		data = data[n:]
	}
	b.WriteString("0\r\n" + trailer + "\r\n\r\n")
	return b.Bytes()
}

func TestChunkedTrailer(t *testing.T) {
	data := bytes.Repeat([]byte("coffre trailer "), 5000)
	crc := crc32.ChecksumIEEE(data)
	good := base64.StdEncoding.EncodeToString([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	bad := base64.StdEncoding.EncodeToString([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc) ^ 1})
	cases := []struct {
		name, trailer string
		code          Code
	}{
		{"good", "x-amz-checksum-crc32:" + good, ""},
		{"bad", "x-amz-checksum-crc32:" + bad, BadDigest},
		{"malformed", "x-amz-checksum-crc32:!!!", InvalidDigest},
		{"missing", "x-amz-checksum-sha1:" + good, IncompleteBody},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, ch := server(t, verifierAt(testTime))
			enc := trailerBody(data, 8192, c.trailer)
			req := streamReq(t, srv, streamingTrailer, len(data), len(enc), map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32"})
			req.Body = httpBody(enc)
			o := send(t, req, ch)
			wantBody(t, o, c.code, data)
			wantChecksum(t, o, c.code, Checksum{"x-amz-checksum-crc32", good})
		})
	}
	t.Run("unknown trailer", func(t *testing.T) {
		srv, ch := server(t, verifierAt(testTime))
		enc := trailerBody(data, 8192, "x-amz-checksum-md5:AAAA")
		req := streamReq(t, srv, streamingTrailer, len(data), len(enc), map[string]string{"X-Amz-Trailer": "x-amz-checksum-md5"})
		req.Body = httpBody(enc)
		wantCode(t, send(t, req, ch).err, InvalidRequest)
	})
}

// TestChecksums checks each trailing checksum against published check
// values of "123456789".
func TestChecksums(t *testing.T) {
	for name, want := range map[string]string{
		"x-amz-checksum-crc32":     "cbf43926",
		"x-amz-checksum-crc32c":    "e3069283",
		"x-amz-checksum-crc64nvme": "ae8b14860a799888",
		"x-amz-checksum-sha1":      "f7c3bc1d808e04732adf679965ccc34ca7ae3441",
		"x-amz-checksum-sha256":    "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225",
	} {
		h := newChecksum(name)
		h.Write([]byte("123456789"))
		if got := fmt.Sprintf("%x", h.Sum(nil)); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
		// Decoded through a chunkReader, the trailer is accepted.
		data := []byte("123456789")
		enc := trailerBody(data, 4, name+":"+base64.StdEncoding.EncodeToString(h.Sum(nil)))
		c := newChunkReader(httpBody(enc), int64(len(data)))
		c.trailer, c.sum = name, newChecksum(name)
		if got, err := io.ReadAll(c); err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: decoded %q, %v", name, got, err)
		}
	}
}

func TestChunkLimits(t *testing.T) {
	for _, c := range []struct {
		name, body string
		code       Code
	}{
		{"huge chunk", fmt.Sprintf("%x\r\n", MaxChunkSize+1), IncompleteBody}, // unsigned: more than declared
		{"long size", "0000000000000001\r\n", IncompleteBody},
		{"long line", "1;" + strings.Repeat("x", 5000) + "\r\n", IncompleteBody},
		{"no crlf", "1\nx\r\n0\r\n\r\n", IncompleteBody},
		{"bad hex", "zz\r\n", IncompleteBody},
		{"negative", "-1\r\n", IncompleteBody},
		{"data without crlf", "1\r\nxy0\r\n\r\n", IncompleteBody},
		{"ends in a chunk", "1\r\n", IncompleteBody},
		{"no final chunk", "1\r\nx\r\n", IncompleteBody},
		{"too many trailers", "0\r\n" + strings.Repeat("a:b\r\n", 20) + "\r\n", InvalidRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newChunkReader(httpBody([]byte(c.body)), 1)
			r.trailer, r.sum = "x-amz-checksum-crc32", newChecksum("x-amz-checksum-crc32")
			_, err := io.ReadAll(r)
			wantCode(t, err, c.code)
		})
	}
}

func TestChunkedSignedTrailer(t *testing.T) {
	key := signingKey(testSecret, testTime.Format(dateFormat), testRegion, "s3")
	scope := testTime.Format(dateFormat) + "/" + testRegion + "/s3/aws4_request"
	amzDate := testTime.Format(timeFormat)
	data := bytes.Repeat([]byte("signed trailer "), 9000)
	h := newChecksum("x-amz-checksum-crc32c")
	h.Write(data)
	good := base64.StdEncoding.EncodeToString(h.Sum(nil))
	// encode is chunked() with the final empty line replaced by the trailer
	// and its signature, chained from the final chunk's signature.
	// In minio-go's layout, the checksum line ends in "\n" and an empty
	// line comes before the signature.
	encode := func(seed, value string, tamperSig, minioLayout bool) []byte {
		b := chunked(key, amzDate, scope, seed, data, 64<<10)
		b = b[:len(b)-2]
		i := bytes.LastIndex(b, []byte("chunk-signature=")) + len("chunk-signature=")
		final := string(b[i : i+64])
		canon := "x-amz-checksum-crc32c:" + value + "\n"
		sig := hex.EncodeToString(hmacSHA256(key, "AWS4-HMAC-SHA256-TRAILER\n"+amzDate+"\n"+scope+"\n"+final+"\n"+hexSHA256([]byte(canon))))
		if tamperSig {
			sig = strings.Repeat("0", 64)
		}
		if minioLayout {
			return append(b, "x-amz-checksum-crc32c:"+value+"\n\r\nx-amz-trailer-signature:"+sig+"\r\n\r\n"...)
		}
		return append(b, "x-amz-checksum-crc32c:"+value+"\r\nx-amz-trailer-signature:"+sig+"\r\n\r\n"...)
	}
	dummy := strings.Repeat("0", 64)
	for _, c := range []struct {
		name, value string
		tamperSig   bool
		minio       bool
		code        Code
	}{
		{"good", good, false, false, ""},
		{"good, minio-go layout", good, false, true, ""},
		{"bad checksum, signed", "AAAAAA==", false, false, BadDigest},
		{"bad trailer signature", good, true, false, SignatureDoesNotMatch},
		{"bad trailer signature, minio-go layout", good, true, true, SignatureDoesNotMatch},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, ch := server(t, verifierAt(testTime))
			req := streamReq(t, srv, streamingSignedTrailer, len(data), len(encode(dummy, c.value, false, c.minio)),
				map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32c"})
			req.Body = httpBody(encode(seedOf(t, req), c.value, c.tamperSig, c.minio))
			o := send(t, req, ch)
			wantBody(t, o, c.code, data)
			wantChecksum(t, o, c.code, Checksum{"x-amz-checksum-crc32c", good})
		})
	}
}

// wantBody checks a verified request's outcome: the body fails with code,
// or, when code is empty, decodes to data.
func wantBody(t *testing.T, o outcome, code Code, data []byte) {
	t.Helper()
	if o.err != nil {
		t.Fatalf("Verify: %v", o.err)
	}
	if code != "" {
		wantCode(t, o.bodyErr, code)
		return
	}
	if o.bodyErr != nil || !bytes.Equal(o.body, data) {
		t.Fatalf("body error %v, %d bytes", o.bodyErr, len(o.body))
	}
}

// wantChecksum checks the checksum a verified body reports: want after a
// success, none after a failure.
func wantChecksum(t *testing.T, o outcome, code Code, want Checksum) {
	t.Helper()
	got, ok := o.res.Checksum()
	switch {
	case code == "" && (!ok || got != want):
		t.Fatalf("checksum %+v %v, want %+v", got, ok, want)
	case code != "" && ok:
		t.Fatalf("checksum %+v reported after a failure", got)
	}
}

// An unsigned chunk may be as long as the declared length (aws-sdk-go-v2
// sends a body of known length as one chunk); a signed one is capped.
func TestChunkSizeCap(t *testing.T) {
	data := bytes.Repeat([]byte{'x'}, MaxChunkSize+1)
	h := newChecksum("x-amz-checksum-crc32")
	h.Write(data)
	enc := trailerBody(data, len(data), "x-amz-checksum-crc32:"+base64.StdEncoding.EncodeToString(h.Sum(nil)))
	c := newChunkReader(httpBody(enc), int64(len(data)))
	c.trailer, c.sum = "x-amz-checksum-crc32", newChecksum("x-amz-checksum-crc32")
	if n, err := io.Copy(io.Discard, c); err != nil || n != int64(len(data)) {
		t.Fatalf("unsigned chunk of %d bytes: %d, %v", len(data), n, err)
	}
	c = newChunkReader(httpBody([]byte(fmt.Sprintf("%x;chunk-signature=%s\r\n", MaxChunkSize+1, strings.Repeat("0", 64)))), MaxChunkSize+1)
	c.signed = true
	_, err := io.Copy(io.Discard, c)
	wantCode(t, err, InvalidRequest)
}
