package webdav_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// litmusSuites are the suites of the litmus package (0.13), run in order.
var litmusSuites = []string{"basic", "copymove", "props", "locks", "http"}

// TestLitmus runs every litmus suite against the server, as bob in /team,
// and fails on any failed test. Skipped when litmus is missing, unless
// COFFRE_E2E=1.
func TestLitmus(t *testing.T) {
	dir := "/usr/libexec/litmus"
	if _, err := os.Stat(dir + "/basic"); err != nil {
		if os.Getenv("COFFRE_E2E") == "1" {
			t.Fatalf("litmus is not installed (apt-get install litmus): %v", err)
		}
		t.Skip("litmus is not installed (apt-get install litmus)")
	}
	if testing.Short() {
		t.Skip("litmus in -short mode")
	}
	s := newServer(t)
	for _, suite := range litmusSuites {
		t.Run(suite, func(t *testing.T) {
			out := runLitmus(t, dir+"/"+suite, s.URL+"/dav/team/", s.Bob)
			for _, l := range litmusFailures(out) {
				t.Errorf("%s: %s", suite, l)
			}
			if t.Failed() || testing.Verbose() {
				t.Logf("litmus %s:\n%s", suite, out)
			}
		})
	}
}

func runLitmus(t *testing.T, bin, url string, u user) string {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(c, bin, "--htdocs", "/usr/share/litmus/htdocs", url, u.Login, u.Password)
	cmd.Dir = t.TempDir() // litmus writes debug.log in its working directory
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if c.Err() != nil {
		t.Fatalf("%s timed out:\n%s", bin, out.String())
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("%s: %v", bin, err)
	}
	return out.String()
}

// litmusLine is a test result line: " 3. put_get............... pass".
var litmusLine = regexp.MustCompile(`^\s*\d+\.\s+(\S+?)\.*\s+(pass|FAIL|SKIPPED|WARNING.*|pass \(with \d+ warnings?\))`)

// litmusFailures returns the failed tests of a suite's output, with the
// reason litmus gives.
func litmusFailures(out string) []string {
	var fails []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "FAIL") {
			fails = append(fails, strings.TrimSpace(l))
		}
	}
	return fails
}
