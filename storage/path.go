package storage

import (
	"strings"
	"unicode/utf8"
)

// MaxNameLen is the longest name, in bytes, of a file or folder.
const MaxNameLen = 255

// MaxPathLen is the longest path, in bytes.
const MaxPathLen = 4096

// SplitPath validates an absolute slash-separated path and returns its names.
// "/" gives no names. A trailing slash is allowed ("/a/b/" names the folder b).
// Empty segments, "." and "..", invalid UTF-8, control characters
// and over-long names are refused with Invalid: the tree never silently mangles
// a name.
func SplitPath(p string) ([]string, error) {
	if len(p) > MaxPathLen {
		return nil, Errorf("path", Invalid, "", "path longer than %d bytes", MaxPathLen)
	}
	if !strings.HasPrefix(p, "/") {
		return nil, Errorf("path", Invalid, p, "path must start with /")
	}
	p = strings.TrimSuffix(p[1:], "/")
	if p == "" {
		return nil, nil
	}
	names := strings.Split(p, "/")
	for _, n := range names {
		if err := CheckName(n); err != nil {
			return nil, &Error{Op: "path", Kind: Invalid, Path: "/" + p, Err: err.(*Error).Err}
		}
	}
	return names, nil
}

// CheckName validates one file or folder name.
func CheckName(n string) error {
	switch {
	case n == "":
		return Errorf("name", Invalid, n, "empty name (two slashes in a row?)")
	case n == "." || n == "..":
		return Errorf("name", Invalid, n, "%q is not a valid name", n)
	case len(n) > MaxNameLen:
		return Errorf("name", Invalid, n, "name longer than %d bytes", MaxNameLen)
	case !utf8.ValidString(n):
		return Errorf("name", Invalid, n, "name is not valid UTF-8")
	}
	for _, r := range n {
		if r < 0x20 || r == 0x7f || r == '/' {
			return Errorf("name", Invalid, n, "name contains the forbidden character %q", r)
		}
	}
	return nil
}

// JoinPath builds an absolute path from names.
func JoinPath(names ...string) string { return "/" + strings.Join(names, "/") }

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, len(b)*2)
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}
