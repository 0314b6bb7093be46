package storage_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// The import directions of STYLE.md, checked on every package of the module:
// a front end holds only a storage.Namespace, storage knows no protocol, and
// only storage/meta imports Pebble.
func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Doc", "coffre/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
			Doc        string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if p.Doc == "" {
			t.Errorf("%s has no package comment", p.ImportPath)
		}
		for _, imp := range p.Imports {
			if why := forbidden(p.ImportPath, imp); why != "" {
				t.Errorf("%s imports %s: %s", p.ImportPath, imp, why)
			}
		}
	}
}

func forbidden(pkg, imp string) string {
	rel := strings.TrimPrefix(pkg, "coffre/")
	irel := strings.TrimPrefix(imp, "coffre/")
	local := irel != imp
	under := func(s, prefix string) bool { return s == prefix || strings.HasPrefix(s, prefix+"/") }
	switch {
	case strings.HasPrefix(imp, "github.com/cockroachdb/pebble") && !under(rel, "storage/meta"):
		return "only storage/meta imports Pebble"
	case rel == "storage" && !local && strings.Contains(imp, "."):
		return "the contract imports only the standard library"
	case rel == "storage" && local:
		return "the contract imports nothing of Coffre"
	case under(rel, "storage") && under(imp, "net/http"):
		return "the engine knows no protocol"
	case under(rel, "storage") && local && !under(irel, "storage"):
		return "storage sits below every other package"
	case under(rel, "gateway") && local && (under(irel, "storage/engine") || under(irel, "storage/meta") || under(irel, "storage/blob")):
		return "front ends hold only a storage.Namespace"
	case strings.HasPrefix(rel, "gateway/") && local && strings.HasPrefix(irel, "gateway/") && !under(irel, rel):
		return "front ends do not import each other"
	}
	return ""
}

func TestLayeringRules(t *testing.T) {
	for _, c := range []struct {
		pkg, imp string
		bad      bool
	}{
		{"coffre/storage/meta", "github.com/cockroachdb/pebble/v2", false},
		{"coffre/storage/engine", "github.com/cockroachdb/pebble/v2", true},
		{"coffre/storage/engine", "coffre/storage/meta", false},
		{"coffre/storage", "coffre/storage/meta", true},
		{"coffre/storage", "fmt", false},
		{"coffre/storage/blob", "net/http", true},
		{"coffre/storage/engine", "coffre/auth", true},
		{"coffre/gateway/s3", "coffre/storage", false},
		{"coffre/gateway/s3", "coffre/storage/engine", true},
		{"coffre/gateway/s3", "coffre/gateway", false},
		{"coffre/gateway/s3", "coffre/gateway/webdav", true},
		{"coffre/cmd/coffre", "coffre/storage/engine", false},
	} {
		if got := forbidden(c.pkg, c.imp) != ""; got != c.bad {
			t.Errorf("%s -> %s: forbidden = %v, want %v", c.pkg, c.imp, got, c.bad)
		}
	}
}
