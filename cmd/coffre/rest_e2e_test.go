package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// TestRESTWalkthrough runs docs/rest-walkthrough.sh, the REST API's
// documentation by example, against the real binary, so that the document
// cannot drift from what the server does; then checks that /metrics counted
// its requests.
func TestRESTWalkthrough(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("COFFRE_E2E") == "1" {
				t.Fatalf("COFFRE_E2E=1 but %s is not installed (apt-get install %s)", tool, tool)
			}
			t.Skipf("%s is not installed (apt-get install %s; COFFRE_E2E=1 makes this a failure)", tool, tool)
		}
	}
	bin := buildBinary(t)
	const password = "walkthrough-password"
	s := startServer(t, bin, filepath.Join(t.TempDir(), "data"), "COFFRE_ADMIN_PASSWORD="+password)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join("..", "..", "docs", "rest-walkthrough.sh"))
	// Later entries win: the outer environment's COFFRE_* do not leak in.
	cmd.Env = append(os.Environ(), "COFFRE_URL=http://"+s.addr, "COFFRE_USER=admin", "COFFRE_PASSWORD="+password)
	cmd.WaitDelay = 10 * time.Second // a curl left behind by a killed bash must not hold the output open
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("docs/rest-walkthrough.sh: %v\n%s\nserver log:\n%s", err, out, s.stderr)
	}
	if !strings.Contains(string(out), "The walkthrough ran to the end") {
		t.Fatalf("the walkthrough stopped early without failing:\n%s", out)
	}
	t.Logf("walkthrough output:\n%s", out)

	m := scrapeMetrics(t, "http://"+s.addr+"/metrics")
	// Two logins: the administrator and the second user.
	if n := counter(m, "http_requests_total", map[string]string{"method": "POST", "route": "POST /api/auth", "status": "200"}); n != 2 {
		t.Errorf(`http_requests_total{route="POST /api/auth",status="200"} = %v, want 2`, n)
	}
	// Five files stored: notes.txt twice, the second user's version, the
	// chunked and the TUS upload. The uploads refused (423, 507) and the
	// chunks that did not complete a file count for nothing.
	if n := counter(m, "file_uploads_total", map[string]string{"protocol": "rest"}); n != 5 {
		t.Errorf(`file_uploads_total{protocol="rest"} = %v, want 5`, n)
	}
	s.stop()
}

// scrapeMetrics reads a Prometheus text exposition.
func scrapeMetrics(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return fams
}

// counter is the value of the counter series of family name whose labels
// include want; 0 when there is none.
func counter(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return 0
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		return m.GetCounter().GetValue()
	}
	return 0
}
