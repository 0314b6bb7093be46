package auth

// Origin is where an authentication attempt comes from. Every
// authentication path takes one: connection options and the per-address
// back-off are decided on IP, and the audit log records all three.
type Origin struct {
	IP        string // "192.0.2.7", or IP:port as http.Request.RemoteAddr
	UserAgent string
	Protocol  string // "s3", "webdav", "rest", "web", "cli"
}

// Event is a security event for the audit log. Its fields are those of
// storage/audit's Entry, so that an adapter is a field-by-field copy. It
// never holds a password, token or secret.
type Event struct {
	UserID     string
	Login      string
	IP         string
	UserAgent  string
	Protocol   string
	Type       string // "login"
	OK         bool
	ObjectType string // "user"
	ObjectName string // the login tried
	Detail     string // why it failed
}

// Auditor records security events. Record must be safe for concurrent use;
// a failure to record is logged and does not change the outcome of the
// login.
type Auditor interface {
	Record(Event) error
}

// record sends e to the auditor, if any.
func (s *Service) record(e Event) {
	if s.audit == nil {
		return
	}
	if err := s.audit.Record(e); err != nil {
		s.log.Error("audit record failed", "type", e.Type, "login", e.Login, "err", err)
	}
}

func loginEvent(o Origin, login string, ok bool, detail string) Event {
	return Event{
		Login: login, IP: o.IP, UserAgent: o.UserAgent, Protocol: o.Protocol,
		Type: "login", OK: ok, ObjectType: "user", ObjectName: login, Detail: detail,
	}
}
