package admin

import (
	"context"
	"net"
	"net/http"
	"net/netip"
)

// StatusPath is where StatusHandler is mounted on the main listener; coffre
// status asks it.
const StatusPath = "/admin/status"

// StatusHandler serves GET StatusPath: the JSON of what report returns
// (drives, quorum, usage, background jobs), computed at each request.
//
// It answers only callers on the server's own machine, since it needs no
// credentials: the connection must come from a loopback address or from
// the address it reached (a client on the host using the host's own
// address), and carry none of the headers a reverse proxy adds
// (Forwarded, X-Forwarded-For, X-Real-IP), so that a proxy on the same
// machine does not open it to the network. Others get 403. A proxy that
// adds none of those headers must not forward StatusPath.
func StatusHandler(report func(ctx context.Context) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !fromThisMachine(r) {
			writeJSON(w, http.StatusForbidden, status{Status: "forbidden",
				Reason: StatusPath + " answers only on the server's machine (coffre status there)"})
			return
		}
		v, err := report(r.Context())
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, status{Status: "unavailable", Reason: err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// fromThisMachine reports whether r came straight from the server's own
// machine; see StatusHandler.
func fromThisMachine(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip"} {
		if _, ok := r.Header[h]; ok {
			return false
		}
	}
	remote, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := remote.Addr().Unmap()
	if ip.IsLoopback() {
		return true
	}
	la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return false
	}
	local, err := netip.ParseAddrPort(la.String())
	return err == nil && local.Addr().Unmap() == ip
}
