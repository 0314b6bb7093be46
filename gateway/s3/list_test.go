package s3_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"

	"coffre/storage"
)

// trickyKeys sort differently by key than by folder and name: "a-b" comes
// before "a/b" since '-' < '/', "a b/c" before "a-b", "a%2Fb" is a name
// holding a percent sign. Keys ending in "/" are empty folders.
var trickyKeys = []string{
	"a-b", "a/b", "a/c/", "a/d/e", "a%2Fb", "a bc", "a b/c", "a0", "!x", "A", "z/",
	"caf\u00e9", "cafe\u0301/x", "\u65e5\u672c/\u8a9e.txt", "emoji \U0001F600", "a.b", "a+b", "a~b", "sp ace/ in/side",
}

// putKeysNS stores keys in bucket through the namespace: files with a short
// content, keys ending in "/" as folders.
func putKeysNS(t testing.TB, ns storage.Namespace, bucket string, keys []string) {
	t.Helper()
	if _, err := ns.Mkdir(ctx, "/"+bucket); err != nil && !storage.Is(storage.Exists, err) {
		t.Fatal(err)
	}
	for _, k := range keys {
		if dir, ok := strings.CutSuffix(k, "/"); ok {
			names := strings.Split(dir, "/")
			for i := 1; i <= len(names); i++ {
				if _, err := ns.Mkdir(ctx, "/"+bucket+"/"+strings.Join(names[:i], "/")); err != nil && !storage.Is(storage.Exists, err) {
					t.Fatal(err)
				}
			}
			continue
		}
		nsPut(t, ns, "/"+bucket+"/"+k, "content of "+k)
	}
}

// wantListing is the reference listing: the keys (sorted) after after with
// prefix, grouped by delimiter, one entry per key or common prefix
// (common prefixes end with the delimiter).
func wantListing(keys []string, prefix, delimiter, after string) []string {
	sorted := slices.Clone(keys)
	sort.Strings(sorted)
	var out []string
	last := after
	for _, k := range sorted {
		if k <= after || !strings.HasPrefix(k, prefix) {
			continue
		}
		if delimiter != "" {
			if i := strings.Index(k[len(prefix):], delimiter); i >= 0 {
				cp := k[:len(prefix)+i+len(delimiter)]
				if cp != last {
					out = append(out, cp)
					last = cp
				}
				continue
			}
		}
		out = append(out, k)
	}
	return out
}

// keyListing is what a listing answered, entries in S3 order (contents and
// common prefixes merged by key).
type keyListing struct {
	entries []string
	commons []string
	pages   int
}

// listV2 lists all of a bucket with ListObjectsV2 in pages of max keys.
func listV2(t *testing.T, c *awss3.Client, in awss3.ListObjectsV2Input) keyListing {
	t.Helper()
	var l keyListing
	for {
		out, err := c.ListObjectsV2(ctx, &in)
		if err != nil {
			t.Fatalf("ListObjectsV2 %+v: %v", in, err)
		}
		l.pages++
		var page []string
		for _, o := range out.Contents {
			page = append(page, aws.ToString(o.Key))
		}
		for _, p := range out.CommonPrefixes {
			page = append(page, aws.ToString(p.Prefix))
			l.commons = append(l.commons, aws.ToString(p.Prefix))
		}
		sort.Strings(page)
		if int(aws.ToInt32(out.KeyCount)) != len(page) {
			t.Fatalf("KeyCount %d for %d entries", aws.ToInt32(out.KeyCount), len(page))
		}
		if in.MaxKeys != nil && len(page) > int(*in.MaxKeys) {
			t.Fatalf("%d entries for max-keys %d", len(page), *in.MaxKeys)
		}
		l.entries = append(l.entries, page...)
		if !aws.ToBool(out.IsTruncated) {
			if out.NextContinuationToken != nil {
				t.Fatalf("a last page with a continuation token")
			}
			return l
		}
		if len(page) == 0 || out.NextContinuationToken == nil {
			t.Fatalf("truncated page with %d entries, token %v", len(page), out.NextContinuationToken)
		}
		if l.pages > 1000 {
			t.Fatal("more than 1000 pages")
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

// listV1 lists all of a bucket with ListObjects (V1) in pages of max keys,
// following NextMarker.
func listV1(t *testing.T, c *awss3.Client, in awss3.ListObjectsInput) keyListing {
	t.Helper()
	var l keyListing
	for {
		out, err := c.ListObjects(ctx, &in)
		if err != nil {
			t.Fatalf("ListObjects %+v: %v", in, err)
		}
		l.pages++
		var page []string
		for _, o := range out.Contents {
			page = append(page, aws.ToString(o.Key))
			if o.Owner == nil || aws.ToString(o.Owner.ID) == "" {
				t.Fatalf("V1 key %s without an owner", aws.ToString(o.Key))
			}
		}
		for _, p := range out.CommonPrefixes {
			page = append(page, aws.ToString(p.Prefix))
			l.commons = append(l.commons, aws.ToString(p.Prefix))
		}
		sort.Strings(page)
		l.entries = append(l.entries, page...)
		if !aws.ToBool(out.IsTruncated) {
			return l
		}
		if len(page) == 0 || aws.ToString(out.NextMarker) != page[len(page)-1] {
			t.Fatalf("truncated page %v with NextMarker %v", page, aws.ToString(out.NextMarker))
		}
		if l.pages > 1000 {
			t.Fatal("more than 1000 pages")
		}
		in.Marker = out.NextMarker
	}
}

func equalList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestListObjectsOrder(t *testing.T) {
	s := newServer(t)
	putKeysNS(t, s.As(s.Admin), "tricky", trickyKeys)
	c := s.SDK(s.Admin)

	sorted := slices.Clone(trickyKeys)
	sort.Strings(sorted)
	equalList(t, "V2, no delimiter", listV2(t, c, awss3.ListObjectsV2Input{Bucket: aws.String("tricky")}).entries, sorted)
	equalList(t, "V1, no delimiter", listV1(t, c, awss3.ListObjectsInput{Bucket: aws.String("tricky")}).entries, sorted)

	for _, prefix := range []string{"", "a", "a/", "a/c/", "a/d", "a b", "sp ace/", "sp ace/ in/", "cafe", "\u65e5", "z/", "none", "none/", "a/b/"} {
		for _, d := range []string{"", "/", "-", "b", " "} {
			w := wantListing(trickyKeys, prefix, d, "")
			got := listV2(t, c, awss3.ListObjectsV2Input{Bucket: aws.String("tricky"), Prefix: aws.String(prefix), Delimiter: aws.String(d)})
			equalList(t, fmt.Sprintf("V2 prefix %q delimiter %q", prefix, d), got.entries, w)
			got = listV1(t, c, awss3.ListObjectsInput{Bucket: aws.String("tricky"), Prefix: aws.String(prefix), Delimiter: aws.String(d)})
			equalList(t, fmt.Sprintf("V1 prefix %q delimiter %q", prefix, d), got.entries, w)
		}
	}

	// The common prefixes of the top, and what an empty folder looks like.
	out, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("tricky"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	var commons []string
	for _, p := range out.CommonPrefixes {
		commons = append(commons, aws.ToString(p.Prefix))
	}
	equalList(t, "common prefixes", commons, []string{"a b/", "a/", "cafe\u0301/", "sp ace/", "z/", "\u65e5\u672c/"})
	out, err = c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("tricky"), Prefix: aws.String("a/")})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out.Contents {
		switch k := aws.ToString(o.Key); k {
		case "a/c/":
			if aws.ToInt64(o.Size) != 0 || aws.ToString(o.ETag) != `"d41d8cd98f00b204e9800998ecf8427e"` || o.Owner != nil {
				t.Fatalf("the empty folder's key: %+v", o)
			}
		case "a/b":
			info, err := s.As(s.Admin).Stat(ctx, "/tricky/a/b")
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToInt64(o.Size) != info.Size || aws.ToString(o.ETag) != info.ETag() || !aws.ToTime(o.LastModified).Equal(info.ModTime.Truncate(time.Millisecond)) ||
				o.StorageClass != types.ObjectStorageClassStandard {
				t.Fatalf("a/b listed as %+v, is %+v", o, info)
			}
		}
	}
}

func TestListObjectsPaging(t *testing.T) {
	s := newServer(t)
	putKeysNS(t, s.As(s.Admin), "paged", trickyKeys)
	c := s.SDK(s.Admin)
	for _, d := range []string{"", "/", "-"} {
		for _, prefix := range []string{"", "a"} {
			w := wantListing(trickyKeys, prefix, d, "")
			for mk := 1; mk <= len(w)+1; mk++ {
				what := fmt.Sprintf("prefix %q delimiter %q max-keys %d", prefix, d, mk)
				v2 := listV2(t, c, awss3.ListObjectsV2Input{Bucket: aws.String("paged"), Prefix: aws.String(prefix), Delimiter: aws.String(d), MaxKeys: aws.Int32(int32(mk))})
				equalList(t, "V2 "+what, v2.entries, w)
				if pages := max((len(w)+mk-1)/mk, 1); v2.pages != pages {
					t.Fatalf("V2 %s: %d pages, want %d", what, v2.pages, pages)
				}
				v1 := listV1(t, c, awss3.ListObjectsInput{Bucket: aws.String("paged"), Prefix: aws.String(prefix), Delimiter: aws.String(d), MaxKeys: aws.Int32(int32(mk))})
				equalList(t, "V1 "+what, v1.entries, w)
			}
		}
	}
}

func TestListObjectsStartAfter(t *testing.T) {
	s := newServer(t)
	putKeysNS(t, s.As(s.Admin), "after", trickyKeys)
	c := s.SDK(s.Admin)
	starts := append(slices.Clone(trickyKeys), "", "a", "a/", "a/c", "a/d/", "a/d/e/f", "sp ace/ in/", "sp ace/ a", "zz", "\U0010FFFF", "a b/", "a b/c/d")
	for _, after := range starts {
		for _, d := range []string{"", "/", "-"} {
			w := wantListing(trickyKeys, "", d, after)
			what := fmt.Sprintf("after %q delimiter %q", after, d)
			v2 := listV2(t, c, awss3.ListObjectsV2Input{Bucket: aws.String("after"), StartAfter: aws.String(after), Delimiter: aws.String(d), MaxKeys: aws.Int32(3)})
			equalList(t, "V2 "+what, v2.entries, w)
			v1 := listV1(t, c, awss3.ListObjectsInput{Bucket: aws.String("after"), Marker: aws.String(after), Delimiter: aws.String(d), MaxKeys: aws.Int32(3)})
			equalList(t, "V1 "+what, v1.entries, w)
		}
	}
	// start-after is echoed, and applies only to the first page.
	out, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("after"), StartAfter: aws.String("a/"), MaxKeys: aws.Int32(1)})
	if err != nil || aws.ToString(out.StartAfter) != "a/" || len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "a/b" {
		t.Fatalf("start-after a/: %+v %v", out, err)
	}
	out, err = c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("after"), StartAfter: aws.String("z"), ContinuationToken: out.NextContinuationToken, MaxKeys: aws.Int32(1)})
	if err != nil || len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "a/c/" {
		t.Fatalf("continuation with start-after: %+v %v", out, err)
	}
}

func TestListObjectsEncodingURL(t *testing.T) {
	s := newServer(t)
	putKeysNS(t, s.As(s.Admin), "enc", trickyKeys)
	for _, v := range []string{"", "&list-type=2"} {
		resp, body := s.signedDo(t, s.Admin, "GET", "/enc?encoding-type=url&prefix=a&delimiter=%2F"+v, nil, nil)
		if resp.StatusCode != 200 {
			t.Fatal(resp.Status, body)
		}
		for _, frag := range []string{"<Key>a%252Fb</Key>", "<Key>a%20bc</Key>", "<Prefix>a%20b/</Prefix>", "<Key>a%2Bb</Key>", "<Key>a~b</Key>", "<EncodingType>url</EncodingType>", "<Delimiter>/</Delimiter>"} {
			if !strings.Contains(body, frag) {
				t.Fatalf("encoding-type=url%s: no %s in\n%s", v, frag, body)
			}
		}
	}
	// Decoded, the keys are the keys.
	c := s.SDK(s.Admin)
	out, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("enc"), EncodingType: types.EncodingTypeUrl, Prefix: aws.String("\u65e5")})
	if err != nil || len(out.Contents) != 1 {
		t.Fatalf("%+v %v", out, err)
	}
	if k, err := url.PathUnescape(aws.ToString(out.Contents[0].Key)); err != nil || k != "\u65e5\u672c/\u8a9e.txt" || aws.ToString(out.Prefix) != "%E6%97%A5" {
		t.Fatalf("encoded key %q (%q, %v), prefix %q", aws.ToString(out.Contents[0].Key), k, err, aws.ToString(out.Prefix))
	}
	// minio-go asks for url encoding and decodes.
	mc := s.Minio(t, s.Admin)
	for _, rec := range []bool{true, false} {
		var got []string
		for o := range mc.ListObjects(ctx, "enc", minio.ListObjectsOptions{Recursive: rec}) {
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			got = append(got, o.Key)
		}
		d := "/"
		if rec {
			d = ""
		}
		sort.Strings(got) // contents, then common prefixes
		equalList(t, fmt.Sprintf("minio-go recursive %v", rec), got, wantListing(trickyKeys, "", d, ""))
	}
	resp, body := s.signedDo(t, s.Admin, "GET", "/enc?encoding-type=base64", nil, nil)
	if resp.StatusCode != 400 || !strings.Contains(body, "<Code>InvalidArgument</Code>") {
		t.Fatalf("encoding-type=base64: %d %s", resp.StatusCode, body)
	}
}

func TestListObjectsArguments(t *testing.T) {
	s := newServer(t)
	putKeysNS(t, s.As(s.Admin), "args", []string{"a", "b", "c"})
	c := s.SDK(s.Admin)
	for _, q := range []string{"max-keys=-1", "max-keys=ten", "list-type=2&max-keys=-5", "list-type=2&continuation-token=%21%21", "list-type=2&continuation-token=" + strings.Repeat("A", 1)} {
		resp, body := s.signedDo(t, s.Admin, "GET", "/args?"+q, nil, nil)
		if resp.StatusCode != 400 || !strings.Contains(body, "<Code>InvalidArgument</Code>") {
			t.Fatalf("?%s: %d %s", q, resp.StatusCode, body)
		}
	}
	out, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("args"), MaxKeys: aws.Int32(0)})
	if err != nil || len(out.Contents) != 0 || aws.ToBool(out.IsTruncated) || aws.ToInt32(out.MaxKeys) != 0 {
		t.Fatalf("max-keys 0: %+v %v", out, err)
	}
	out, err = c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("args"), MaxKeys: aws.Int32(5000)})
	if err != nil || len(out.Contents) != 3 || aws.ToInt32(out.MaxKeys) != 1000 {
		t.Fatalf("max-keys 5000: %+v %v", out, err)
	}
	// The document and its namespace.
	for _, v := range []string{"", "?list-type=2"} {
		resp, body := s.signedDo(t, s.Admin, "GET", "/args"+v, nil, nil)
		if resp.StatusCode != 200 || !strings.Contains(body, `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>args</Name><Prefix></Prefix>`) {
			t.Fatalf("GET /args%s: %s", v, body)
		}
	}
	// A missing bucket, with and without a prefix, at max-keys 0 too.
	for _, in := range []awss3.ListObjectsV2Input{
		{Bucket: aws.String("nope")},
		{Bucket: aws.String("nope"), Prefix: aws.String("a/b/")},
		{Bucket: aws.String("nope"), MaxKeys: aws.Int32(0)},
		{Bucket: aws.String("nope"), Prefix: aws.String("a//")},
	} {
		if _, err := c.ListObjectsV2(ctx, &in); apiCode(err) != "NoSuchBucket" {
			t.Fatalf("ListObjectsV2 %+v: %v", in, err)
		}
		if _, err := c.ListObjects(ctx, &awss3.ListObjectsInput{Bucket: in.Bucket, Prefix: in.Prefix, MaxKeys: in.MaxKeys}); apiCode(err) != "NoSuchBucket" {
			t.Fatalf("ListObjects %+v: %v", in, err)
		}
	}
	// Prefixes no key can have: no keys, no error.
	for _, p := range []string{"zz/", "a/", "a/b", "x//", "../", "./a"} {
		out, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("args"), Prefix: aws.String(p)})
		if err != nil || len(out.Contents)+len(out.CommonPrefixes) != 0 {
			t.Fatalf("prefix %q: %+v %v", p, out, err)
		}
	}
	// fetch-owner.
	out, err = c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("args"), FetchOwner: aws.Bool(true)})
	if err != nil || out.Contents[0].Owner == nil || aws.ToString(out.Contents[0].Owner.ID) != s.Admin.Principal.UserID || aws.ToString(out.Contents[0].Owner.DisplayName) != "admin" {
		t.Fatalf("fetch-owner: %+v %v", out.Contents, err)
	}
}

// TestListObjectsPartialRights: bob, granted one folder of a bucket, lists
// only what leads to it; a bucket he cannot see does not exist for him.
func TestListObjectsPartialRights(t *testing.T) {
	s := newServer(t)
	keys := []string{"pub/x", "pub/sub/y", "sec/z", "top.txt", "pub-file"}
	putKeysNS(t, s.As(s.Admin), "team", keys)
	putKeysNS(t, s.As(s.Admin), "other", []string{"k"})
	grantBob(t, s, "/team/pub", storage.Browse|storage.Read)
	c := s.SDK(s.User)
	equalList(t, "bob's keys", listV2(t, c, awss3.ListObjectsV2Input{Bucket: aws.String("team")}).entries, []string{"pub/sub/y", "pub/x"})
	equalList(t, "bob's top", listV2(t, c, awss3.ListObjectsV2Input{Bucket: aws.String("team"), Delimiter: aws.String("/")}).entries, []string{"pub/"})
	equalList(t, "bob's pub/", listV1(t, c, awss3.ListObjectsInput{Bucket: aws.String("team"), Prefix: aws.String("pub/"), Delimiter: aws.String("/")}).entries, []string{"pub/sub/", "pub/x"})
	equalList(t, "bob's sec/", listV2(t, c, awss3.ListObjectsV2Input{Bucket: aws.String("team"), Prefix: aws.String("sec/")}).entries, nil)
	if _, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("other")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("bob lists a bucket he cannot see: %v", err)
	}
	// Browse without Read: folders, no files.
	grantBob(t, s, "/team/pub", storage.Browse)
	equalList(t, "bob's keys without Read", listV2(t, c, awss3.ListObjectsV2Input{Bucket: aws.String("team"), Prefix: aws.String("pub/"), Delimiter: aws.String("/")}).entries, []string{"pub/sub/"})
}

// TestListObjectsFullPages lists 2,500 keys in pages of 1000, the
// default, against the sorted keys.
func TestListObjectsFullPages(t *testing.T) {
	s := newServer(t)
	keys := putManyKeys(t, s, 25)
	c := s.SDK(s.Admin)
	got := listV2(t, c, awss3.ListObjectsV2Input{Bucket: aws.String("bench")})
	equalList(t, "2,500 keys", got.entries, keys)
	if got.pages != 3 {
		t.Fatalf("%d pages", got.pages)
	}
	got = listV1(t, c, awss3.ListObjectsInput{Bucket: aws.String("bench"), Prefix: aws.String("dir-1")})
	equalList(t, "1,000 keys by V1", got.entries, keys[1000:2000])
	if got.pages != 1 {
		t.Fatalf("%d pages of V1 for 1000 keys", got.pages)
	}
}

// putManyKeys stores folders of 100 small files each in bucket "bench"
// and returns their sorted keys.
func putManyKeys(t testing.TB, s *server, folders int) []string {
	t.Helper()
	ns := s.As(s.Admin)
	if _, err := ns.Mkdir(ctx, "/bench"); err != nil {
		t.Fatal(err)
	}
	var keys []string
	var wg sync.WaitGroup
	errs := make(chan error, folders)
	for d := range folders {
		dir := fmt.Sprintf("dir-%02d", d)
		if _, err := ns.Mkdir(ctx, "/bench/"+dir); err != nil {
			t.Fatal(err)
		}
		for f := range 100 {
			keys = append(keys, fmt.Sprintf("%s/file-%03d.txt", dir, f))
		}
		wg.Go(func() {
			for f := range 100 {
				path := fmt.Sprintf("/bench/%s/file-%03d.txt", dir, f)
				if _, err := ns.Put(ctx, path, strings.NewReader("x"), storage.PutOptions{Size: 1}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sort.Strings(keys)
	return keys
}

// BenchmarkListObjectsV2_10k lists 10,000 keys in 10 pages of 1000; one op
// is the whole listing. The target is under 75 ms on a 2-core machine.
// "server" reads each signed answer with as little client work as it takes
// to find the next token, so that it measures the server; "sdk" is what
// aws-sdk-go-v2 adds by decoding every key.
func BenchmarkListObjectsV2_10k(b *testing.B) {
	s := newServer(b)
	keys := putManyKeys(b, s, 100)
	b.Run("server", func(b *testing.B) {
		signer := v4.NewSigner()
		cred := aws.Credentials{AccessKeyID: s.Admin.Access, SecretAccessKey: s.Admin.Secret}
		const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		for b.Loop() {
			n, token := 0, ""
			for {
				u := s.URL + "/bench?list-type=2"
				if token != "" {
					u += "&continuation-token=" + url.QueryEscape(token)
				}
				req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
				req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
				if err := signer.SignHTTP(ctx, cred, req, emptySHA256, "s3", "us-east-1", time.Now()); err != nil {
					b.Fatal(err)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("%v %d %s", err, resp.StatusCode, body)
				}
				n += bytes.Count(body, []byte("<Key>"))
				_, rest, ok := bytes.Cut(body, []byte("<NextContinuationToken>"))
				if !ok {
					break
				}
				t, _, _ := bytes.Cut(rest, []byte("<"))
				token = string(t)
			}
			if n != len(keys) {
				b.Fatalf("listed %d keys of %d", n, len(keys))
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/listing")
	})
	b.Run("sdk", func(b *testing.B) {
		c := s.SDK(s.Admin)
		for b.Loop() {
			n := 0
			in := awss3.ListObjectsV2Input{Bucket: aws.String("bench")}
			for {
				out, err := c.ListObjectsV2(ctx, &in)
				if err != nil {
					b.Fatal(err)
				}
				n += len(out.Contents)
				if !aws.ToBool(out.IsTruncated) {
					break
				}
				in.ContinuationToken = out.NextContinuationToken
			}
			if n != len(keys) {
				b.Fatalf("listed %d keys of %d", n, len(keys))
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/listing")
	})
}
