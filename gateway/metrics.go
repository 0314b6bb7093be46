package gateway

import (
	"context"
	"net/http"
)

// A request's route is what its metrics and access log line are filed
// under: a bounded set of names, never the raw path, which would make one
// series per file. It is, in order:
//   - the label of the innermost Route the request went through;
//   - else the pattern of the ServeMux that dispatched it: the server's
//     handler receives the very request its ServeMux stamps with r.Pattern,
//     and so do ServeMuxes nested under it that get that request unchanged
//     (the REST API's "GET /api/folder/{id}" under the main "/api/");
//   - else "unmatched" (a 404 of the ServeMux, or no ServeMux at all).
const unmatched = "unmatched"

// routeKey is the context key of the label a Route sets, a *string placed
// by the access log: the middleware outside sees another *http.Request than
// the handlers inside (every WithContext copies it), but the same context
// value.
type routeKey struct{}

// Route returns h, labelling the requests it serves route: a handler that
// has no ServeMux patterns of its own, such as WebDAV ("/dav") or S3 on its
// listener ("s3").
func Route(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := r.Context().Value(routeKey{}).(*string); ok {
			*p = route
		}
		h.ServeHTTP(w, r)
	})
}

// withRoute returns r carrying an empty route label for Route to fill.
func withRoute(r *http.Request) (*http.Request, *string) {
	label := new(string)
	return r.WithContext(context.WithValue(r.Context(), routeKey{}, label)), label
}

// routeOf is the route of r once served: r is the request given to the
// server's handler, label the one withRoute made.
func routeOf(r *http.Request, label string) string {
	switch {
	case label != "":
		return label
	case r.Method == http.MethodConnect:
		// ServeMux stamps the redirect target, a raw path, on a CONNECT
		// it redirects; Coffre serves no CONNECT.
		return unmatched
	case r.Pattern != "":
		return r.Pattern
	}
	return unmatched
}
