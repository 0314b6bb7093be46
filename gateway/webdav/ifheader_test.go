package webdav

import (
	"reflect"
	"testing"

	xwebdav "golang.org/x/net/webdav"
)

func TestParseIf(t *testing.T) {
	tok := "opaquelocktoken:e71d4fae-5dec-22d6-fea5-00a0c91e6be4"
	cases := []struct {
		in   string
		want []ifList
	}{
		{"(<" + tok + ">)", []ifList{{conds: []xwebdav.Condition{{Token: tok}}}}},
		{`(<` + tok + `> ["I am an ETag"]) (["I am another ETag"])`, []ifList{
			{conds: []xwebdav.Condition{{Token: tok}, {ETag: `"I am an ETag"`}}},
			{conds: []xwebdav.Condition{{ETag: `"I am another ETag"`}}},
		}},
		{"(Not <" + tok + "> <urn:uuid:58f202ac-22cf-11d1-b12d-002035b29092>)", []ifList{
			{conds: []xwebdav.Condition{{Not: true, Token: tok}, {Token: "urn:uuid:58f202ac-22cf-11d1-b12d-002035b29092"}}},
		}},
		{"(<" + tok + ">) (Not <DAV:no-lock>)", []ifList{
			{conds: []xwebdav.Condition{{Token: tok}}},
			{conds: []xwebdav.Condition{{Not: true, Token: "DAV:no-lock"}}},
		}},
		{"<http://www.example.com/specs/> (<" + tok + ">) </x> ([W/\"weak\"]) ([\"a]b\"])", []ifList{
			{resource: "http://www.example.com/specs/", conds: []xwebdav.Condition{{Token: tok}}},
			{resource: "/x", conds: []xwebdav.Condition{{ETag: `W/"weak"`}}},
			{resource: "/x", conds: []xwebdav.Condition{{ETag: `"a]b"`}}},
		}},
		{"  (\t<a:b>  )  ", []ifList{{conds: []xwebdav.Condition{{Token: "a:b"}}}}},
		{"nOt", nil},
		{"", nil},
		{"()", nil},
		{"(<a:b>", nil},
		{"(<a:b>) <http://x/> (<c:d>)", nil}, // tagged after untagged
		{"<http://x/>", nil},
		{"<http://x/> <http://y/> (<a:b>)", nil},
		{"(Not)", nil},
		{"([unquoted])", nil},
		{`(["open)`, nil},
		{"(<>)", nil},
		{"(x)", nil},
	}
	for _, c := range cases {
		got, ok := parseIf(c.in)
		if ok != (c.want != nil) || !reflect.DeepEqual(got, c.want) && c.want != nil {
			t.Errorf("parseIf(%q) = %+v, %v; want %+v", c.in, got, ok, c.want)
		}
	}
}

func FuzzParseIf(f *testing.F) {
	for _, s := range []string{
		"(<opaquelocktoken:e71d4fae-5dec-22d6-fea5-00a0c91e6be4>)",
		`<http://a/b> (Not <DAV:no-lock> ["etag"]) (["x"])`,
		`(<a:b> [W/"c"])`, "((", "<", "(Not", `([W/"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lists, ok := parseIf(s)
		if !ok {
			return
		}
		if len(lists) == 0 {
			t.Fatal("ok with no lists")
		}
		for _, l := range lists {
			if len(l.conds) == 0 {
				t.Fatal("empty list")
			}
			for _, c := range l.conds {
				if (c.Token == "") == (c.ETag == "") {
					t.Fatalf("condition %+v names neither or both", c)
				}
			}
		}
	})
}

func TestParseTimeout(t *testing.T) {
	for in, want := range map[string]int64{"": 0, "Infinite": -1, "Second-10": 10, "Extended, Second-5": 5, "Infinite, Second-4100000000": -1, "Second-99999999999": 1 << 32} {
		d, err := parseTimeout(in)
		if err != nil || (want < 0 && d != -1) || (want >= 0 && int64(d.Seconds()) != want) {
			t.Errorf("parseTimeout(%q) = %v, %v; want %d s", in, d, err, want)
		}
	}
	if _, err := parseTimeout("Seconds-5"); err == nil {
		t.Error("malformed Timeout accepted")
	}
}
