// Package admin serves the operational endpoints: GET /health (the process
// is alive) and GET /ready (the metadata store and a write quorum of drives
// are usable). Metrics, audit queries and platform settings come later.
//
// The package knows nothing of the stores it probes: readiness is a list of
// named Check functions given by main.
package admin
