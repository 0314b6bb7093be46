package webdav

import (
	"encoding/xml"
	"errors"
	"strconv"
	"strings"
)

// xmlNS is the namespace of xml:lang and xml:space.
const xmlNS = "http://www.w3.org/XML/1998/namespace"

// token is d.Token, refusing what encoding/xml lets through but XML
// namespaces forbid: undeclaring a prefix (xmlns:p="").
func token(d *xml.Decoder) (xml.Token, error) {
	t, err := d.Token()
	if se, ok := t.(xml.StartElement); ok {
		for _, a := range se.Attr {
			if a.Name.Space == "xmlns" && a.Value == "" {
				return nil, errors.New("empty namespace declaration for prefix " + a.Name.Local)
			}
		}
	}
	return t, err
}

// skip reads the rest of the current element.
func skip(d *xml.Decoder) error {
	for depth := 1; depth > 0; {
		t, err := token(d)
		if err != nil {
			return err
		}
		switch t.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// rootElement returns the document's first element.
func rootElement(d *xml.Decoder) (xml.StartElement, error) {
	for {
		t, err := token(d)
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return xml.StartElement{}, errors.New("text before the root element")
			}
		}
	}
}

// childNames reads the rest of the current element and returns the names of
// its child elements, skipping their content.
func childNames(d *xml.Decoder) ([]xml.Name, error) {
	var names []xml.Name
	for {
		t, err := token(d)
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			names = append(names, t.Name)
			if err := skip(d); err != nil {
				return nil, err
			}
		case xml.EndElement:
			return names, nil
		}
	}
}

// innerXML reads the rest of the current element and returns its content
// as self-contained XML: every element and attribute declares the namespace
// it is in, so the content means the same wherever it is written again
// (RFC 4918 §4.3 asks this of property values).
func innerXML(d *xml.Decoder) (string, error) {
	var b strings.Builder
	defaults := []string{""} // the default namespace in scope, innermost last
	for {
		t, err := token(d)
		if err != nil {
			return "", err
		}
		switch t := t.(type) {
		case xml.StartElement:
			writeStart(&b, t, defaults[len(defaults)-1])
			defaults = append(defaults, t.Name.Space)
		case xml.EndElement:
			if len(defaults) == 1 {
				return b.String(), nil
			}
			defaults = defaults[:len(defaults)-1]
			b.WriteString("</")
			b.WriteString(t.Name.Local)
			b.WriteByte('>')
		case xml.CharData:
			b.WriteString(xmlEscape(string(t)))
		}
	}
}

// writeStart writes a start tag whose name is in the default namespace,
// declared when it differs from the one in scope; namespaced attributes
// get prefixes declared on the element.
func writeStart(b *strings.Builder, t xml.StartElement, scope string) {
	b.WriteByte('<')
	b.WriteString(t.Name.Local)
	if t.Name.Space != scope {
		b.WriteString(` xmlns="`)
		b.WriteString(xmlAttr(t.Name.Space))
		b.WriteByte('"')
	}
	n := 0
	for _, a := range t.Attr {
		if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
			continue // declarations are written afresh
		}
		b.WriteByte(' ')
		switch a.Name.Space {
		case "":
		case xmlNS:
			b.WriteString("xml:")
		default:
			p := "a" + strconv.Itoa(n)
			n++
			b.WriteString("xmlns:" + p + `="` + xmlAttr(a.Name.Space) + `" ` + p + ":")
		}
		b.WriteString(a.Name.Local)
		b.WriteString(`="`)
		b.WriteString(xmlAttr(a.Value))
		b.WriteByte('"')
	}
	b.WriteByte('>')
}

// xmlEscape escapes s for XML text: &, < and > as entities, carriage
// returns as a character reference (kept through parsing), and characters
// XML cannot hold as U+FFFD.
func xmlEscape(s string) string {
	if !strings.ContainsAny(s, "<>&\r") && validXMLChars(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			b.WriteRune(0xFFFD)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// xmlAttr escapes s for an attribute value in double quotes.
func xmlAttr(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(xmlEscape(s), `"`, "&quot;"), "\n", "&#xA;")
}

func validXMLChars(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' || r == 0xFFFE || r == 0xFFFF {
			return false
		}
	}
	return true
}
