package sigv4

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"io"
	"sort"
	"strconv"
	"strings"
)

const (
	// MaxChunkSize is the largest signed aws-chunked chunk accepted. S3
	// clients sign 64 KiB to 8 MiB chunks; chunks are streamed, not
	// buffered, so the cap bounds how much unverified data can pass before
	// a signature check rather than memory. Unsigned chunks (the -TRAILER
	// variant without signatures) are bounded by the declared length only:
	// aws-sdk-go-v2 sends a body of known length as one chunk, up to 5 GiB.
	MaxChunkSize = 16 << 20
	// maxSizeDigits bounds the hex digits of a chunk size.
	maxSizeDigits = 15
	// maxLine bounds a chunk header or trailer line (the bufio window).
	maxLine = 4096
	// maxTrailers bounds the number of trailing header lines.
	maxTrailers = 16

	payloadAlgorithm = "AWS4-HMAC-SHA256-PAYLOAD"
	trailerAlgorithm = "AWS4-HMAC-SHA256-TRAILER"
)

// chunkReader decodes an aws-chunked body: "<hex size>[;chunk-signature=
// <sig>]\r\n<data>\r\n" repeated, ending with a zero-size chunk and, for
// the trailer variants, trailing headers and an empty line. In signed mode
// each chunk's signature is checked at the chunk's end, chained from the
// seed (header) signature, and so is the trailer's; with a trailer the
// checksum named by x-amz-trailer is checked at the end.
type chunkReader struct {
	br *bufio.Reader
	c  io.Closer

	signed               bool
	key                  []byte
	amzDate, scope, prev string
	sig                  string    // signature of the current chunk
	h                    hash.Hash // SHA-256 of the current chunk

	trailer string    // expected trailing header name
	sum     hash.Hash // its checksum over the payload
	value   string    // the trailer's value, once verified

	declared, total int64 // x-amz-decoded-content-length, bytes yielded
	remaining       int64 // data bytes left in the current chunk
	inChunk, done   bool
	err             error
}

func newChunkReader(rc io.ReadCloser, declared int64) *chunkReader {
	return &chunkReader{br: bufio.NewReaderSize(rc, maxLine), c: rc, declared: declared, h: sha256.New()}
}

func (c *chunkReader) Close() error { return c.c.Close() }

func (c *chunkReader) fail(err error) error {
	if c.err == nil {
		c.err = err
	}
	return c.err
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	for {
		if c.done {
			return 0, io.EOF
		}
		if c.remaining > 0 {
			if len(p) == 0 {
				return 0, nil
			}
			if int64(len(p)) > c.remaining {
				p = p[:c.remaining]
			}
			n, err := c.br.Read(p)
			c.h.Write(p[:n])
			if c.sum != nil {
				c.sum.Write(p[:n])
			}
			c.remaining -= int64(n)
			c.total += int64(n)
			if err == io.EOF && c.remaining > 0 {
				return n, c.fail(errorf(IncompleteBody, "the body ended inside a chunk"))
			}
			if err != nil && err != io.EOF {
				return n, c.fail(err)
			}
			return n, nil
		}
		if c.inChunk {
			if err := c.endChunk(); err != nil {
				return 0, c.fail(err)
			}
		}
		if err := c.nextChunk(); err != nil {
			return 0, c.fail(err)
		}
	}
}

// readLine returns one line without its "\r\n" (or "\n" when lax).
func (c *chunkReader) readLine(lax bool) (string, error) {
	line, err := c.br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return "", errorf(IncompleteBody, "a chunk header or trailer line is longer than %d bytes", maxLine)
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return "", errorf(IncompleteBody, "the body ended before the aws-chunked encoding did")
	case err != nil:
		return "", err
	}
	s := string(line[:len(line)-1])
	if t, ok := strings.CutSuffix(s, "\r"); ok {
		return t, nil
	} else if lax {
		return s, nil
	}
	return "", errorf(IncompleteBody, "a chunk line does not end in CRLF")
}

// nextChunk reads a chunk header; a zero-size chunk ends the body.
func (c *chunkReader) nextChunk() error {
	line, err := c.readLine(false)
	if err != nil {
		return err
	}
	size, ext, _ := strings.Cut(line, ";")
	if size == "" || len(size) > maxSizeDigits {
		return errorf(IncompleteBody, "malformed chunk size %q", size)
	}
	n, perr := strconv.ParseInt(size, 16, 64)
	if perr != nil || n < 0 {
		return errorf(IncompleteBody, "malformed chunk size %q", size)
	}
	if c.signed && n > MaxChunkSize {
		return errorf(InvalidRequest, "chunk of %d bytes is larger than the %d allowed", n, MaxChunkSize)
	}
	if n > c.declared-c.total {
		return errorf(IncompleteBody, "the chunks hold more than x-amz-decoded-content-length (%d) bytes", c.declared)
	}
	if c.signed {
		sig, ok := strings.CutPrefix(ext, "chunk-signature=")
		if !ok || len(sig) != 64 {
			return errorf(IncompleteBody, "chunk header %q lacks a chunk-signature", line)
		}
		c.sig = sig
	}
	c.h.Reset()
	c.remaining, c.inChunk = n, true
	if n == 0 {
		return c.finish()
	}
	return nil
}

// endChunk checks the CRLF after a chunk's data and its signature.
func (c *chunkReader) endChunk() error {
	c.inChunk = false
	var crlf [2]byte
	if _, err := io.ReadFull(c.br, crlf[:]); err != nil || crlf != [2]byte{'\r', '\n'} {
		return errorf(IncompleteBody, "chunk data is not followed by CRLF")
	}
	return c.checkSignature()
}

func (c *chunkReader) checkSignature() error {
	if !c.signed {
		return nil
	}
	toSign := payloadAlgorithm + "\n" + c.amzDate + "\n" + c.scope + "\n" + c.prev + "\n" +
		emptySHA256 + "\n" + hex.EncodeToString(c.h.Sum(nil))
	want := hmacSHA256(c.key, toSign)
	if !signatureMatches(c.sig, want) {
		return errorf(SignatureDoesNotMatch, "a chunk signature does not match")
	}
	c.prev = hex.EncodeToString(want)
	return nil
}

// finish handles the zero-size chunk: its signature, the trailers and the
// final empty line, and the declared length.
func (c *chunkReader) finish() error {
	c.inChunk = false
	if err := c.checkSignature(); err != nil {
		return err
	}
	if c.trailer != "" {
		if err := c.readTrailers(); err != nil {
			return err
		}
	} else if line, err := c.readLine(false); err != nil || line != "" {
		return errorf(IncompleteBody, "the final chunk is not followed by CRLF")
	}
	if c.total != c.declared {
		return errorf(IncompleteBody, "the chunks hold %d bytes, x-amz-decoded-content-length says %d", c.total, c.declared)
	}
	c.done = true
	return nil
}

// readTrailers reads "name:value" lines up to an empty line, checks the
// trailer signature in signed mode (string to sign
// "AWS4-HMAC-SHA256-TRAILER\n<date>\n<scope>\n<final chunk signature>\n"
// followed by the hex SHA-256 of the trailers as sorted "name:value\n"
// lines), then the checksum named by x-amz-trailer.
func (c *chunkReader) readTrailers() error {
	const sigName = "x-amz-trailer-signature"
	var lines []string
	var got, sig string
	found, signed := false, false
	for i := 0; ; i++ {
		if i > maxTrailers {
			return errorf(InvalidRequest, "more than %d trailing headers", maxTrailers)
		}
		line, err := c.readLine(true)
		if err != nil {
			return err
		}
		if line == "" && c.signed && !signed && len(lines) > 0 {
			continue // minio-go ends its trailing headers with "\n\r\n", then signs them
		}
		if line == "" {
			break
		}
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			return errorf(InvalidRequest, "malformed trailing header %q", line)
		}
		name, val = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(val)
		switch name {
		case sigName:
			sig, signed = val, true
			continue
		case c.trailer:
			got, found = val, true
		}
		lines = append(lines, name+":"+val+"\n")
	}
	if c.signed {
		if !signed {
			return errorf(SignatureDoesNotMatch, "the trailer has no %s", sigName)
		}
		sort.Strings(lines)
		toSign := trailerAlgorithm + "\n" + c.amzDate + "\n" + c.scope + "\n" + c.prev + "\n" +
			sha256Hex(strings.Join(lines, ""))
		if !signatureMatches(sig, hmacSHA256(c.key, toSign)) {
			return errorf(SignatureDoesNotMatch, "the trailer signature does not match")
		}
	}
	if !found {
		return errorf(IncompleteBody, "the trailing header %s is missing", c.trailer)
	}
	want, err := base64.StdEncoding.DecodeString(got)
	if err != nil || len(want) != c.sum.Size() {
		return errorf(InvalidDigest, "the value of %s is not a valid base64 digest", c.trailer)
	}
	if !bytes.Equal(want, c.sum.Sum(nil)) {
		return errorf(BadDigest, "the %s you specified did not match the calculated checksum", c.trailer)
	}
	c.value = base64.StdEncoding.EncodeToString(want)
	return nil
}

// Checksum returns the trailing checksum once the whole body was read and
// verified (see Checksummer).
func (c *chunkReader) Checksum() (Checksum, bool) {
	if !c.done || c.err != nil || c.trailer == "" {
		return Checksum{}, false
	}
	return Checksum{Name: c.trailer, Value: c.value}, true
}
