package s3

import (
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"time"

	"coffre/gateway"
)

// SlowDown answers a request refused for its rate as S3 does: 503 with the
// error code SlowDown, which the AWS SDKs and CLI retry with back-off. It
// is a gateway.RefuseFunc.
func SlowDown(w http.ResponseWriter, r *http.Request, retry time.Duration) {
	id := gateway.RequestID(r.Context())
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("X-Amz-Request-Id", id)
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int((retry+time.Second-1)/time.Second))))
	w.WriteHeader(http.StatusServiceUnavailable)
	if r.Method == http.MethodHead {
		return
	}
	io.WriteString(w, xml.Header)
	xml.NewEncoder(w).Encode(errorBody{Code: "SlowDown", Message: "Please reduce your request rate.", Resource: r.URL.Path, RequestID: id})
}
