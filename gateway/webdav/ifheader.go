package webdav

import (
	"strings"

	xwebdav "golang.org/x/net/webdav"
)

// The If request header (RFC 4918 §10.4): lists of conditions on lock
// tokens and entity tags, each list optionally tagged with the resource it
// is about.
//
//	If           = "If" ":" ( 1*No-tag-list | 1*Tagged-list )
//	No-tag-list  = List
//	Tagged-list  = Resource-Tag 1*List
//	List         = "(" 1*Condition ")"
//	Condition    = ["Not"] (State-token | "[" entity-tag "]")
//	State-token  = Coded-URL = "<" absolute-URI ">"
//	Resource-Tag = "<" Simple-ref ">"

// ifList is one List: all its conditions must hold.
type ifList struct {
	resource string // the Resource-Tag as sent; "" for a No-tag-list (the request URI)
	conds    []xwebdav.Condition
}

// parseIf parses an If header; false if it is malformed (400).
func parseIf(s string) ([]ifList, bool) {
	var (
		lists    []ifList
		tag      string
		tagged   bool
		untagged bool
	)
	for {
		s = trimLWS(s)
		if s == "" {
			break
		}
		switch s[0] {
		case '<':
			if untagged {
				return nil, false
			}
			u, rest, ok := cut(s[1:], '>')
			if !ok || u == "" {
				return nil, false
			}
			tag, tagged, s = u, true, rest
			if !strings.HasPrefix(trimLWS(s), "(") {
				return nil, false // a tag needs at least one list
			}
		case '(':
			if !tagged {
				untagged = true
			}
			l, rest, ok := parseList(s[1:])
			if !ok {
				return nil, false
			}
			l.resource = tag
			lists, s = append(lists, l), rest
		default:
			return nil, false
		}
	}
	return lists, len(lists) > 0
}

// parseList parses the conditions of a list up to its closing parenthesis.
func parseList(s string) (ifList, string, bool) {
	var l ifList
	for {
		s = trimLWS(s)
		if s == "" {
			return l, "", false
		}
		if s[0] == ')' {
			return l, s[1:], len(l.conds) > 0
		}
		var c xwebdav.Condition
		if len(s) >= 3 && strings.EqualFold(s[:3], "not") {
			c.Not = true
			s = trimLWS(s[3:])
			if s == "" {
				return l, "", false
			}
		}
		switch s[0] {
		case '<':
			tok, rest, ok := cut(s[1:], '>')
			if !ok || tok == "" {
				return l, "", false
			}
			c.Token, s = tok, rest
		case '[':
			etag, rest, ok := parseETag(s[1:])
			if !ok {
				return l, "", false
			}
			c.ETag, s = etag, rest
		default:
			return l, "", false
		}
		l.conds = append(l.conds, c)
	}
}

// parseETag parses `["W/"] quoted-string "]"`, returning the entity tag
// with its quotes.
func parseETag(s string) (string, string, bool) {
	s = trimLWS(s)
	weak := strings.HasPrefix(s, "W/")
	if weak {
		s = s[2:]
	}
	if !strings.HasPrefix(s, `"`) {
		return "", "", false
	}
	end := strings.IndexByte(s[1:], '"')
	if end < 0 {
		return "", "", false
	}
	etag := s[:end+2]
	rest := trimLWS(s[end+2:])
	if !strings.HasPrefix(rest, "]") {
		return "", "", false
	}
	if weak {
		etag = "W/" + etag
	}
	return etag, rest[1:], true
}

func cut(s string, end byte) (string, string, bool) {
	i := strings.IndexByte(s, end)
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

func trimLWS(s string) string { return strings.TrimLeft(s, " \t\r\n") }
