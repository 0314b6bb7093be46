// Package admin serves the operational endpoints: GET /health (the process
// is alive), GET /ready (the metadata store and a write quorum of drives
// are usable) and, when given a handler, GET /metrics (package metrics).
// StatusHandler serves GET /admin/status, the server's state for coffre
// status, to callers on the server's own machine only; BackupHandler
// serves POST /backup on the control socket, for coffre backup. Audit
// queries and platform settings are the REST API's (/api/v1/admin/...).
//
// The package knows nothing of the stores it probes: readiness is a list of
// named Check functions given by main, and metrics an http.Handler.
package admin
