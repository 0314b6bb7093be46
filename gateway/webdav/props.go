package webdav

import (
	"encoding/xml"
	"maps"
	"strings"

	xwebdav "golang.org/x/net/webdav"

	"coffre/storage"
)

// Metadata keys (storage.Info.Meta) this front end reads and writes; see
// the package documentation.
const (
	metaDeadProp    = "dav:"         // + the property's name in Clark notation
	metaContentType = "content-type" // as the S3 front end keeps it
)

// The live properties this front end computes (RFC 4918 §15, RFC 4331).
var (
	propResourceType   = xml.Name{Space: "DAV:", Local: "resourcetype"}
	propDisplayName    = xml.Name{Space: "DAV:", Local: "displayname"}
	propContentLength  = xml.Name{Space: "DAV:", Local: "getcontentlength"}
	propLastModified   = xml.Name{Space: "DAV:", Local: "getlastmodified"}
	propCreationDate   = xml.Name{Space: "DAV:", Local: "creationdate"}
	propContentType    = xml.Name{Space: "DAV:", Local: "getcontenttype"}
	propETag           = xml.Name{Space: "DAV:", Local: "getetag"}
	propLockDiscovery  = xml.Name{Space: "DAV:", Local: "lockdiscovery"}
	propSupportedLock  = xml.Name{Space: "DAV:", Local: "supportedlock"}
	propQuotaAvailable = xml.Name{Space: "DAV:", Local: "quota-available-bytes"}
	propQuotaUsed      = xml.Name{Space: "DAV:", Local: "quota-used-bytes"}
)

// allProps are the live properties that allprop and propname return (RFC
// 4918 §9.1; the quota properties of RFC 4331 only when named).
var allProps = []xml.Name{
	propResourceType, propDisplayName, propContentLength, propLastModified, propCreationDate,
	propContentType, propETag, propLockDiscovery, propSupportedLock,
}

// liveProp reports whether name is a live property, which PROPPATCH may not
// set.
func liveProp(name xml.Name) bool {
	switch name {
	case propResourceType, propDisplayName, propContentLength, propLastModified, propCreationDate,
		propContentType, propETag, propLockDiscovery, propSupportedLock, propQuotaAvailable, propQuotaUsed,
		xml.Name{Space: "DAV:", Local: "getcontentlanguage"}:
		return true
	}
	return false
}

// fileOnly reports whether a live property exists only on files.
func fileOnly(name xml.Name) bool {
	return name == propContentLength || name == propContentType || name == propETag
}

// dirOnly reports whether a live property exists only on folders.
func dirOnly(name xml.Name) bool { return name == propQuotaAvailable || name == propQuotaUsed }

// clark is a property name in Clark notation, "{namespace}local".
func clark(n xml.Name) string { return "{" + n.Space + "}" + n.Local }

func parseClark(s string) (xml.Name, bool) {
	if !strings.HasPrefix(s, "{") {
		return xml.Name{}, false
	}
	i := strings.LastIndexByte(s, '}')
	if i < 0 || i == len(s)-1 {
		return xml.Name{}, false
	}
	return xml.Name{Space: s[1:i], Local: s[i+1:]}, true
}

// deadProps returns the dead properties of meta (to carry over to a new
// version), or nil.
func deadProps(meta map[string]string) map[string]string {
	var out map[string]string
	for k, v := range meta {
		if strings.HasPrefix(k, metaDeadProp) {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// decodeDeadProps returns the dead properties stored in meta.
func decodeDeadProps(meta map[string]string) map[xml.Name]xwebdav.Property {
	out := map[xml.Name]xwebdav.Property{}
	for k, v := range meta {
		if name, ok := strings.CutPrefix(k, metaDeadProp); ok {
			if n, ok := parseClark(name); ok {
				out[n] = xwebdav.Property{XMLName: n, InnerXML: []byte(v)}
			}
		}
	}
	return out
}

// applyPatches returns meta with PROPPATCH's instructions applied in order.
// Live properties cannot be set or removed (Permission).
func applyPatches(meta map[string]string, patches []xwebdav.Proppatch) (map[string]string, error) {
	m := maps.Clone(meta)
	if m == nil {
		m = map[string]string{}
	}
	for _, p := range patches {
		for _, prop := range p.Props {
			if liveProp(prop.XMLName) {
				return nil, storage.Errorf("proppatch", storage.Permission, "", "%s is a protected property", clark(prop.XMLName))
			}
			k := metaDeadProp + clark(prop.XMLName)
			if p.Remove {
				delete(m, k)
			} else {
				m[k] = string(prop.InnerXML)
			}
		}
	}
	return m, nil
}
