package s3

import "net/http"

// statusWriter records the status of an answer for Options.Observe.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the first final status: 100 Continue, which
// ServeHTTP may send first, is followed by the real answer.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// final is the status answered: 200 when the handler wrote nothing.
func (w *statusWriter) final() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
