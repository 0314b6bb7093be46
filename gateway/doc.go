// Package gateway is the HTTP plumbing shared by every front end: the server
// with its timeouts and graceful shutdown, request IDs, the access log, the
// route of each request for the metrics, and panic recovery. Protocol front
// ends live in the sub-packages (webdav, s3, rest, web) and import this
// package, never each other.
package gateway
