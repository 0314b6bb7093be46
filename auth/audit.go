package auth

import (
	"net"

	"coffre/storage/audit"
)

// Origin is where an authentication attempt comes from. Every
// authentication path takes one: connection options and the per-address
// back-off are decided on IP, and the audit log records all three.
type Origin struct {
	IP        string // "192.0.2.7", or IP:port as http.Request.RemoteAddr
	UserAgent string
	Protocol  string // "s3", "webdav", "rest", "web", "cli"
	// PerRequest says that the credentials come with every request (HTTP
	// Basic): a success that the verification cache remembers is the same
	// login again, not audited (see Login).
	PerRequest bool
}

// Auditor records security events; *audit.Log is one. Record must be safe
// for concurrent use; a failure to record is logged and does not change the
// outcome of the login. Entries never hold a password, token or secret.
type Auditor interface {
	Record(audit.Entry) (audit.Entry, error)
}

// record sends e to the auditor, if any.
func (s *Service) record(e audit.Entry) {
	if s.audit == nil {
		return
	}
	if _, err := s.audit.Record(e); err != nil {
		s.log.Error("audit record failed", "type", e.Type, "login", e.Login, "err", err)
	}
}

// loginEvent is the audit entry of a login attempt: type "login" on the
// object user <login>, with why it failed in Detail. The address is
// recorded without its port, as every other entry's.
func loginEvent(o Origin, login string, ok bool, detail string) audit.Entry {
	ip := o.IP
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return audit.Entry{
		Login: login, IP: ip, UserAgent: o.UserAgent, Protocol: o.Protocol,
		Type: "login", OK: ok, ObjectType: "user", ObjectName: login, Detail: detail,
	}
}

var _ Auditor = (*audit.Log)(nil)
