// Package admin serves the operational endpoints: GET /health (the process
// is alive), GET /ready (the metadata store and a write quorum of drives
// are usable) and, when given a handler, GET /metrics (package metrics).
// Audit queries and platform settings come later. BackupHandler serves
// POST /backup on the control socket, for coffre backup.
//
// The package knows nothing of the stores it probes: readiness is a list of
// named Check functions given by main, and metrics an http.Handler.
package admin
