// Package sigv4 verifies AWS Signature Version 4 on requests to the S3 front
// end: the Authorization header, presigned query URLs, and the payload
// variants S3 clients send (a hex SHA-256 of the body, UNSIGNED-PAYLOAD,
// aws-chunked STREAMING-AWS4-HMAC-SHA256-PAYLOAD, its -TRAILER variant and
// STREAMING-UNSIGNED-PAYLOAD-TRAILER, the last two with a trailing checksum:
// CRC32, CRC32C, CRC64NVME, SHA1 or SHA256).
//
// It is pure verification: it knows nothing of users or HTTP servers. The
// caller supplies a Lookup from access key to secret, and gets back the
// access key and a Body to read instead of the request's body. Errors are
// *Error values carrying the S3 error code the front end answers with.
//
// Behaviour follows the AWS documentation: "Signature Calculations for the
// Authorization Header", "Authenticating Requests: Using Query Parameters",
// "Transferring Payload in Multiple Chunks (Chunked Upload)" and "Signature
// Calculation: Transfer Payload in Multiple Chunks with Trailing Headers".
//
// # Streamed payloads
//
// Whatever the payload mode, Body streams: bytes are handed to the reader as
// they arrive and a mismatch is reported as an error from Read when it is
// detected — at EOF for a signed payload hash or a trailing checksum, at the
// end of each chunk for a signed aws-chunked body. Nothing is buffered beyond
// a small bufio window, so memory per upload is constant whatever the chunk
// size (signed chunks are still capped at MaxChunkSize). A consumer must therefore
// treat any error from Body, including one after some bytes were returned,
// as "discard everything read": the storage engine already abandons an upload
// whose reader fails, which is the contract this package relies on.
//
// A consumer that hashes the payload with SHA-256 anyway (the store does, for
// its dedup key) may take over the check of a signed payload hash with
// Result.HandOffSHA256, before reading: Body then only checks the length, and
// the consumer refuses the payload, before it becomes visible, unless its
// SHA-256 is the signed one. One pass of SHA-256 instead of two.
//
// # Checksums
//
// A trailing checksum (x-amz-trailer) is part of the aws-chunked encoding,
// so Body verifies it: a mismatch is BadDigest from the Read that reaches
// the end, and once Body has returned io.EOF, Result.Checksum (or the
// Checksummer interface, for holders of Body alone) gives the verified
// name and base64 value to store. A checksum sent as a header describes the
// body only for some operations (PutObject, UploadPart; not
// CompleteMultipartUpload), so the front end verifies it by wrapping Body
// with VerifyChecksum, which is a Checksummer too.
package sigv4
