package gateway

import "strings"

// Disposition is a Content-Disposition (RFC 6266) of kind ("attachment" or
// "inline") for a file named name: filename* carries the name in UTF-8 (RFC
// 8187) and filename an ASCII fallback, with '_' for what ASCII cannot say.
func Disposition(kind, name string) string {
	var fallback, encoded strings.Builder
	for _, r := range name {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '%' {
			r = '_'
		}
		fallback.WriteRune(r)
	}
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(name); i++ {
		if b := name[i]; attrChar(b) {
			encoded.WriteByte(b)
		} else {
			encoded.WriteByte('%')
			encoded.WriteByte(hex[b>>4])
			encoded.WriteByte(hex[b&15])
		}
	}
	return kind + `; filename="` + fallback.String() + `"; filename*=UTF-8''` + encoded.String()
}

// attrChar reports whether b may appear unescaped in an RFC 8187 value.
func attrChar(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' ||
		strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
