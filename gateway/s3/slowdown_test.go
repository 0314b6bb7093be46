package s3

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestSlowDown(t *testing.T) {
	rec := httptest.NewRecorder()
	SlowDown(rec, httptest.NewRequest("PUT", "/b/k", nil), 1500*time.Millisecond)
	var e errorBody
	if err := xml.Unmarshal(rec.Body.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusServiceUnavailable || e.Code != "SlowDown" || e.Resource != "/b/k" || rec.Header().Get("Retry-After") != "2" {
		t.Fatalf("%d %+v Retry-After %q", rec.Code, e, rec.Header().Get("Retry-After"))
	}
}
