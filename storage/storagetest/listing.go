package storagetest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"coffre/storage"
)

// keyTree is the tree that testListKeys builds below /r, as keys relative
// to /r: files, and folders ending in "/". The folders above a key are made
// as needed; a folder key that no other key extends stays empty. The names
// are chosen so that key order and name order differ: bytes below '/'
// (space, '!', '%', '-', '.') sort a name "a<byte>..." between the folder
// "a" and its items.
var keyTree = []string{
	"!", "0", "A/", "a0", "a-b", "a-/z", "a/x", "a/b/c", "a/b/ c", "a/b-", "a/b0", "a/b.d/", "a/e/",
	"a%2Fb", "a b/f", "a./", "a.b/c.d/e", "ab", "é", "éa/ü", "z/y/", "日本/語",
}

// testListKeys: listings in S3 key order, flat and recursive, with every page
// size, every resume point and prefixes, against the order of the keys
// sorted as plain bytes.
func testListKeys(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	tree := keyTree
	made := map[string]bool{}
	for _, k := range tree {
		names := strings.Split(strings.TrimSuffix(k, "/"), "/")
		for i := range names {
			p := "/r/" + strings.Join(names[:i+1], "/")
			if made[p] {
				continue
			}
			made[p] = true
			if i < len(names)-1 || strings.HasSuffix(k, "/") {
				mkdir(t, ns, p)
			} else {
				put(t, ns, p, []byte(k))
			}
		}
	}
	leaves := keyLeaves(tree)

	CheckKeys(t, ns, "/r", storage.ListOptions{Recursive: true}, leaves)
	CheckKeys(t, ns, "/r", storage.ListOptions{KeyOrder: true}, keyChildren(tree, ""))
	for _, prefix := range []string{"a", "a-", "a.", "a ", "é", "z", "0", "nothing", "\U0010ffff"} {
		CheckKeys(t, ns, "/r", storage.ListOptions{Recursive: true, Prefix: prefix}, withPrefix(leaves, prefix))
		CheckKeys(t, ns, "/r", storage.ListOptions{KeyOrder: true, Prefix: prefix}, withPrefix(keyChildren(tree, ""), prefix))
	}
	for _, prefix := range []string{"a/", "a/x", "A/", "a-/", "ab/"} {
		CheckKeys(t, ns, "/r", storage.ListOptions{KeyOrder: true, Prefix: prefix}, withPrefix(keyChildren(tree, ""), prefix))
		_, err := ns.List(ctx, "/r", storage.ListOptions{Recursive: true, Prefix: prefix})
		wantKind(t, "recursive listing with a prefix holding a slash", err, storage.Invalid)
	}
	for _, dir := range []string{"a", "a/b", "a.b", "z"} {
		rel := dir + "/"
		CheckKeys(t, ns, "/r/"+dir, storage.ListOptions{Recursive: true}, below(leaves, rel))
		CheckKeys(t, ns, "/r/"+dir, storage.ListOptions{KeyOrder: true}, keyChildren(tree, rel))
	}
	for _, dir := range []string{"A", "a/e", "a."} {
		CheckKeys(t, ns, "/r/"+dir, storage.ListOptions{Recursive: true}, nil)
		CheckKeys(t, ns, "/r/"+dir, storage.ListOptions{KeyOrder: true}, nil)
	}
	var top []string
	for _, k := range leaves {
		top = append(top, "r/"+k)
	}
	CheckKeys(t, ns, "/", storage.ListOptions{Recursive: true}, top)
	CheckKeys(t, ns, "/", storage.ListOptions{KeyOrder: true}, []string{"r/"})

	// What an item describes.
	p := must(ns.List(ctx, "/r", storage.ListOptions{Recursive: true, Prefix: "a"}))
	byKey := map[string]storage.Info{}
	for _, it := range p.Items {
		byKey[it.Name] = it
	}
	folderB := must(ns.Stat(ctx, "/r/a/b"))
	if it := byKey["a/b/c"]; it.Dir || it.ParentID != folderB.ID || it.Size != int64(len("a/b/c")) || it.ID != must(ns.Stat(ctx, "/r/a/b/c")).ID {
		t.Errorf("recursive file item %+v", it)
	}
	if it := byKey["a/e/"]; !it.Dir || it.ID != must(ns.Stat(ctx, "/r/a/e")).ID || it.ParentID != must(ns.Stat(ctx, "/r/a")).ID {
		t.Errorf("recursive empty folder item %+v", it)
	}
	p = must(ns.List(ctx, "/r", storage.ListOptions{KeyOrder: true, Prefix: "a/"}))
	if len(p.Items) != 1 || p.Items[0].Name != "a" || !p.Items[0].Dir || p.Items[0].Path != "/r/a" {
		t.Errorf("flat folder item %+v", p.Items)
	}

	// A folder that gains an item after being listed as empty.
	p = must(ns.List(ctx, "/r", storage.ListOptions{Recursive: true, Prefix: "a", After: "a/b0", Limit: 1}))
	if len(p.Items) != 1 || p.Items[0].Name != "a/e/" || p.Next != "a/e/" {
		t.Fatalf("page after a/b0: %+v", p)
	}
	put(t, ns, "/r/a/e/new", []byte("n"))
	p = must(ns.List(ctx, "/r", storage.ListOptions{Recursive: true, Prefix: "a", After: p.Next, Limit: 2}))
	if got := itemKeys(p.Items, true); strings.Join(got, "|") != "a/e/new|a/x" {
		t.Errorf("after an empty folder that gained an item: %q", got)
	}

	_, err := ns.List(ctx, "/r/ab", storage.ListOptions{KeyOrder: true})
	wantKind(t, "key-order listing of a file", err, storage.Conflict)
	_, err = ns.List(ctx, "/r/nothing", storage.ListOptions{Recursive: true})
	wantKind(t, "recursive listing of a missing folder", err, storage.NotFound)
}

// keyLeaves returns the recursive listing of tree (see keyTree): its files
// and the folders that nothing extends, sorted as plain bytes.
func keyLeaves(tree []string) []string {
	var out []string
	for _, k := range tree {
		leaf := true
		if strings.HasSuffix(k, "/") {
			for _, o := range tree {
				if o != k && strings.HasPrefix(o, k) {
					leaf = false
				}
			}
		}
		if leaf {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// keyChildren returns the flat listing of the folder rel ("" or "a/")
// of tree: the keys of its children, sorted as plain bytes.
func keyChildren(tree []string, rel string) []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range tree {
		rest, ok := strings.CutPrefix(k, rel)
		if !ok || rest == "" {
			continue
		}
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[:i+1]
		}
		if !seen[rest] {
			seen[rest] = true
			out = append(out, rest)
		}
	}
	sort.Strings(out)
	return out
}

func withPrefix(keys []string, prefix string) []string {
	var out []string
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}

// below returns the keys under rel, relative to it.
func below(keys []string, rel string) []string {
	var out []string
	for _, k := range keys {
		if rest, ok := strings.CutPrefix(k, rel); ok && rest != "" {
			out = append(out, rest)
		}
	}
	return out
}

// itemKeys returns the keys of listed items: their names, with a "/" after
// a folder's in a flat listing.
func itemKeys(items []storage.Info, recursive bool) []string {
	keys := make([]string, 0, len(items))
	for _, it := range items {
		k := it.Name
		if it.Dir && !recursive {
			k += "/"
		}
		keys = append(keys, k)
	}
	return keys
}

// CheckKeys checks a key-order listing (opt.KeyOrder or opt.Recursive, with
// opt.Prefix) of the folder dir against want, its keys in the expected
// order: in one page, each item agreeing with Stat; in pages of every size from 1 to len(want)+1; and
// after every key of want, every prefix of one and a few other resume
// points. It checks each item's Path and Dir against its key.
func CheckKeys(t *testing.T, ns storage.Namespace, dir string, opt storage.ListOptions, want []string) {
	t.Helper()
	recursive := opt.Recursive
	what := func(o storage.ListOptions) string {
		return fmt.Sprintf("list %s recursive=%v prefix=%q after=%q", dir, recursive, o.Prefix, o.After)
	}
	all := func(o storage.ListOptions) []storage.Info {
		t.Helper()
		var items []storage.Info
		for pages := 0; ; pages++ {
			if pages > len(want)+1 {
				t.Fatalf("%s limit=%d: the listing does not end", what(o), o.Limit)
			}
			p, err := ns.List(ctx, dir, o)
			if err != nil {
				t.Fatalf("%s limit=%d: %v", what(o), o.Limit, err)
			}
			items = append(items, p.Items...)
			if p.Next == "" {
				return items
			}
			if o.Limit > 0 && len(p.Items) != o.Limit {
				t.Fatalf("%s limit=%d: a page of %d items before the last", what(o), o.Limit, len(p.Items))
			}
			if keys := itemKeys(p.Items, recursive); len(keys) == 0 || p.Next != keys[len(keys)-1] {
				t.Fatalf("%s limit=%d: next %q after %q", what(o), o.Limit, p.Next, keys)
			}
			o.After = p.Next
		}
	}
	base := strings.TrimSuffix(dir, "/")
	full := all(opt)
	if got := itemKeys(full, recursive); !slices.Equal(got, want) {
		t.Fatalf("%s:\n got %q\nwant %q", what(opt), got, want)
	}
	for i, it := range full {
		if p := base + "/" + strings.TrimSuffix(want[i], "/"); it.Path != p || it.Dir != strings.HasSuffix(want[i], "/") {
			t.Errorf("%s: item %q has path %q, dir %v", what(opt), want[i], it.Path, it.Dir)
		}
		if !recursive && strings.Contains(it.Name, "/") {
			t.Errorf("%s: flat item named %q", what(opt), it.Name)
		}
		st, err := ns.Stat(ctx, it.Path)
		if err != nil {
			t.Fatalf("%s: stat %s: %v", what(opt), it.Path, err)
		}
		if st.ID != it.ID || st.Dir != it.Dir || st.Size != it.Size || st.MD5 != it.MD5 || st.VersionID != it.VersionID || st.Rights != it.Rights {
			t.Errorf("%s: item %q differs from its Stat:\n%+v\n%+v", what(opt), want[i], it, st)
		}
	}
	for limit := 1; limit <= len(want)+1; limit++ {
		o := opt
		o.Limit = limit
		if got := itemKeys(all(o), recursive); !slices.Equal(got, want) {
			t.Fatalf("%s in pages of %d:\n got %q\nwant %q", what(o), limit, got, want)
		}
	}
	afters := map[string]bool{"": true, "\x00": true, " ": true, "/": true, "a/": true, "a/b": true, "\U0010ffff": true}
	for _, k := range want {
		for i := 1; i <= len(k); i++ {
			afters[k[:i]] = true
		}
		afters[k+"\x00"] = true
		afters[k+" "] = true
	}
	for after := range afters {
		o := opt
		o.After = after
		var exp []string
		for _, k := range want {
			if k > after {
				exp = append(exp, k)
			}
		}
		p, err := ns.List(ctx, dir, o)
		if err != nil {
			t.Fatalf("%s: %v", what(o), err)
		}
		if got := itemKeys(p.Items, recursive); !slices.Equal(got, exp) || p.Next != "" {
			t.Fatalf("%s:\n got %q (next %q)\nwant %q", what(o), got, p.Next, exp)
		}
	}
}
