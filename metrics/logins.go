package metrics

import (
	"strings"

	"coffre/storage/audit"
)

// Recorder records audit entries: *audit.Log is one, and it is the
// contract of auth.Options.Audit.
type Recorder interface {
	Record(audit.Entry) (audit.Entry, error)
}

// Logins returns a Recorder that counts the login attempts among the
// entries (login_attempts_total) and passes every entry on to next, which
// must not be nil. Package auth audits every outcome of a password login
// as an entry of type "login": OK for a success; not OK with a Detail
// starting "refused:" for an attempt refused during a back-off, before any
// password check; not OK otherwise (wrong credentials, an account disabled
// or expired, an address its connection options exclude).
func (m *Metrics) Logins(next Recorder) Recorder {
	return loginCounter{m: m, next: next}
}

type loginCounter struct {
	m    *Metrics
	next Recorder
}

func (l loginCounter) Record(e audit.Entry) (audit.Entry, error) {
	if e.Type == "login" {
		l.m.logins.WithLabelValues(loginStatus(e)).Inc()
	}
	return l.next.Record(e)
}

func loginStatus(e audit.Entry) string {
	switch {
	case e.OK:
		return "success"
	case strings.HasPrefix(e.Detail, "refused:"):
		return "refused"
	}
	return "failure"
}
