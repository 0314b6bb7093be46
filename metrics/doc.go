// Package metrics is Coffre's Prometheus instrumentation: a registry of its
// own (never the global one) holding the series the product documents
// (http_requests_total, http_request_duration_seconds, s3_operations_total,
// s3_operation_duration_seconds, active_goroutines, login_attempts_total,
// file_uploads_total), the Go runtime's and the process's, and readings of
// the stores taken at scrape time (drives, Pebble, and through WatchCare the
// background care: scrubber, checksum failures, healed shards).
//
// The package imports nothing of the front ends or the stores' internals:
// it offers functions that their hooks call (ObserveHTTP for
// gateway.Options.Observe, ObserveS3 for s3.Options.Observe, Upload, an
// audit Recorder wrapper for logins) and takes the store readings as
// functions in Options, which main fills. Handler serves the exposition;
// package admin mounts it at GET /metrics.
package metrics
