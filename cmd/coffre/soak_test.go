package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/prometheus/common/expfmt"
)

// soakFor lengthens the soak, for example:
//
//	go test ./cmd/coffre/ -run 'TestSoak$' -count=1 -v -soak=10m -timeout=20m
var soakFor = flag.Duration("soak", 0, "length of TestSoak's load (default 90s with COFFRE_E2E=1, 20s otherwise); raise -timeout with it")

const (
	// soakWorkerEnv carries a worker's soakJob, as JSON, to the test binary
	// that TestSoak starts again as a load generator.
	soakWorkerEnv = "COFFRE_SOAK_WORKER"
	// soakSummaryPrefix starts the line where a worker prints its summary.
	soakSummaryPrefix = "soak summary: "

	// The bounds on the server once warmed up (the first third of the run):
	// its goroutines and resident memory may not grow beyond the warm-up's
	// maximum by more than this.
	soakGoroutineSlack = 50
	soakRSSSlack       = 150 << 20
	// After the load, the goroutines must come back to within this of
	// their number before it.
	soakIdleSlack = 20

	soakSampleEvery = 2 * time.Second
	soakMaxSize     = 4 << 20 // objects are 1 KiB to 4 MiB
	soakMinFiles    = 4       // below this many files a worker only writes
	soakMaxFiles    = 24      // from this many it only deletes: the data stays bounded
)

// soakConfig runs every background loop during the soak: a scrub pass
// every 2 seconds, trash purged and versions pruned within seconds, a
// metadata checkpoint every 15 seconds. JSON logs, so that levels can be
// checked.
const soakConfig = `data_dir = %q
[scrub]
interval = "2s"
rate = 67108864
[namespace]
max_versions = 2
trash_retention = "10s"
maintenance_interval = "5s"
[recovery]
checkpoint_interval = "15s"
[log]
format = "json"
`

func soakDuration() time.Duration {
	switch {
	case *soakFor > 0:
		return *soakFor
	case os.Getenv("COFFRE_E2E") == "1":
		return 90 * time.Second
	}
	return 20 * time.Second
}

// TestSoak is the soak: the real binary serves mixed S3 and WebDAV
// load from four client processes while the scrubber and the other
// background loops run; no request may fail, the server may log no error,
// its goroutines and memory must stay bounded, and fsck must find the data
// whole afterwards. Loopback only.
func TestSoak(t *testing.T) {
	bin := buildBinary(t)
	load := soakDuration()
	data := filepath.Join(t.TempDir(), "data")
	cfg := writeConfig(t, fmt.Sprintf(soakConfig, data))
	const password, accessKey, secretKey = "soak-admin-password", "SOAKADMINKEY", "soak-admin-secret-key-0123456789abcdef"
	addr, s3Addr := freeAddr(t), freeAddr(t)
	s := startServerArgs(t, bin, addr, []string{"serve", "--config", cfg, "--http", addr, "--s3", s3Addr},
		"COFFRE_ADMIN_PASSWORD="+password, "COFFRE_ADMIN_ACCESS_KEY="+accessKey, "COFFRE_ADMIN_SECRET_KEY="+secretKey)

	metricsURL := "http://" + addr + "/metrics"
	hc := &http.Client{Timeout: 10 * time.Second}
	base, err := soakScrape(hc, metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stop := make(chan struct{})
	sampled := make(chan soakSamples, 1)
	go func() { sampled <- soakSample(hc, metricsURL, start, stop) }()

	var jobs []soakJob
	for i, kind := range []string{"s3", "s3", "dav", "dav"} {
		j := soakJob{Kind: kind, Space: fmt.Sprintf("soak-%s-%d", kind, i+1), Seed: uint64(i + 1), For: load,
			Login: "admin", Password: password, AccessKey: accessKey, SecretKey: secretKey, Addr: addr}
		if kind == "s3" {
			j.Addr = s3Addr
		}
		jobs = append(jobs, j)
	}
	summaries := make([]soakSummary, len(jobs))
	failures := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() { summaries[i], failures[i] = runSoakWorker(j) })
	}
	wg.Wait()
	close(stop)
	got := <-sampled

	for i, err := range failures {
		if err != nil {
			t.Errorf("worker %s: %v", jobs[i].Space, err)
		} else if summaries[i].Errors > 0 {
			t.Errorf("worker %s: %d errors, the first: %s", jobs[i].Space, summaries[i].Errors, strings.Join(summaries[i].First, "; "))
		}
	}
	for _, e := range got.errs {
		t.Errorf("/metrics: %s", e)
	}
	idle := soakIdle(t, hc, metricsURL, base.goroutines+soakIdleSlack)
	s.stop()

	// Bounds once warmed up.
	var warm, after soakPoint
	var warmN, afterN int
	for _, p := range got.points {
		if p.at < load/3 {
			warm, warmN = warm.max(p), warmN+1
		} else {
			after, afterN = after.max(p), afterN+1
		}
	}
	if warmN == 0 || afterN == 0 {
		t.Errorf("%d samples in the warm-up, %d after it: too few to judge", warmN, afterN)
	}
	if after.goroutines > warm.goroutines+soakGoroutineSlack {
		t.Errorf("goroutines grew from at most %.0f in the warm-up to %.0f after it (bound +%d)", warm.goroutines, after.goroutines, soakGoroutineSlack)
	}
	if after.rss > warm.rss+soakRSSSlack {
		t.Errorf("resident memory grew from at most %s in the warm-up to %s after it (bound +%s)", mib(warm.rss), mib(after.rss), mib(soakRSSSlack))
	}
	// The scrubber checked contents, and finished a pass, under the load.
	if idle.scrubbed <= base.scrubbed {
		t.Errorf("scrub_contents_total went from %.0f to %.0f: no scrubbing during the soak", base.scrubbed, idle.scrubbed)
	}
	if idle.lastPass < float64(start.Unix()) {
		t.Errorf("scrub_last_pass_timestamp_seconds = %.0f: no complete scrub pass during the soak (started %d)", idle.lastPass, start.Unix())
	}

	problems, warnings := soakLogProblems(s.stderr.String())
	for _, p := range problems {
		t.Errorf("server log: %s", p)
	}

	code, out, errOut := runCmd(t, bin, "fsck", "--deep", "--config", cfg)
	if code != 0 {
		t.Errorf("fsck after the soak: status %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	t.Logf("soak: %s of load, 4 worker processes; scrubber checked %.0f contents", load, idle.scrubbed-base.scrubbed)
	for _, sm := range summaries {
		t.Log(sm)
	}
	t.Logf("server goroutines: %.0f before, %.0f max in warm-up, %.0f max after, %.0f idle after the load",
		base.goroutines, warm.goroutines, after.goroutines, idle.goroutines)
	t.Logf("server RSS: %s before, %s max in warm-up, %s max after; %d samples; warnings logged: %v",
		mib(base.rss), mib(warm.rss), mib(after.rss), len(got.points), warnings)
	if t.Failed() {
		t.Logf("server log without the access log (tail):\n%s", tail(withoutAccessLog(s.stderr.String()), 30))
	}
}

// TestSoakWorker is a load generator that TestSoak starts in its own
// process; run on its own it does nothing.
func TestSoakWorker(t *testing.T) {
	spec := os.Getenv(soakWorkerEnv)
	if spec == "" {
		return
	}
	var j soakJob
	if err := json.Unmarshal([]byte(spec), &j); err != nil {
		t.Fatalf("%s: %v", soakWorkerEnv, err)
	}
	w := newSoakWorker(j)
	switch j.Kind {
	case "s3":
		w.runS3()
	case "dav":
		w.runDAV()
	default:
		t.Fatalf("unknown worker kind %q", j.Kind)
	}
	out, err := json.Marshal(w.summary())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%s%s\n", soakSummaryPrefix, out)
}

// soakJob is what one worker process does.
type soakJob struct {
	Kind      string // "s3" or "dav"
	Addr      string // the S3 listener, or the HTTP one for WebDAV
	Space     string // the worker's own bucket or folder
	Seed      uint64
	For       time.Duration
	Login     string
	Password  string
	AccessKey string
	SecretKey string
}

// soakSummary is what a worker reports on its stdout.
type soakSummary struct {
	Space   string
	Ops     map[string]int
	P50     map[string]time.Duration
	P99     map[string]time.Duration
	Bytes   int64 // sent and received content
	Errors  int
	First   []string // the first error messages
	Elapsed time.Duration
}

func (s soakSummary) String() string {
	var b strings.Builder
	total := 0
	for _, n := range s.Ops {
		total += n
	}
	fmt.Fprintf(&b, "%s: %d ops, %s, %d errors;", s.Space, total, mib(float64(s.Bytes)), s.Errors)
	for _, op := range slices.Sorted(maps.Keys(s.Ops)) {
		fmt.Fprintf(&b, " %s %d p50/p99 %s/%s", op, s.Ops[op], s.P50[op].Round(time.Millisecond), s.P99[op].Round(time.Millisecond))
	}
	return b.String()
}

// runSoakWorker runs one worker process to completion and returns its
// summary.
func runSoakWorker(j soakJob) (soakSummary, error) {
	spec, err := json.Marshal(j)
	if err != nil {
		return soakSummary{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), j.For+2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSoakWorker$", "-test.count=1", "-test.timeout="+(j.For+time.Minute).String())
	cmd.Env = append(os.Environ(), soakWorkerEnv+"="+string(spec))
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return soakSummary{}, fmt.Errorf("worker process: %v\nstdout:\n%s\nstderr:\n%s", err, tail(out.String(), 20), tail(errOut.String(), 20))
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), soakSummaryPrefix); ok {
			var s soakSummary
			err := json.Unmarshal([]byte(line), &s)
			return s, err
		}
	}
	return soakSummary{}, fmt.Errorf("no summary on the worker's stdout:\n%s", tail(out.String(), 20))
}

// soakFile is what a worker knows of a file it stored.
type soakFile struct {
	sum  [32]byte
	size int64
}

// soakWorker drives the load of one process, one request at a time, and
// keeps a model of what its bucket or folder must hold.
type soakWorker struct {
	job      soakJob
	rnd      *rand.Rand
	fill     *rand.ChaCha8
	buf      []byte // the content of the current upload
	deadline time.Time
	start    time.Time
	seq      int

	names []string // the model: what the worker's space holds
	files map[string]soakFile

	took   map[string][]time.Duration
	bytes  int64
	errors int
	first  []string
}

func newSoakWorker(j soakJob) *soakWorker {
	var seed [32]byte
	seed[0] = byte(j.Seed)
	fill := rand.NewChaCha8(seed)
	return &soakWorker{
		job: j, fill: fill, rnd: rand.New(rand.NewPCG(j.Seed, 1)), buf: make([]byte, soakMaxSize),
		start: time.Now(), deadline: time.Now().Add(j.For),
		files: map[string]soakFile{}, took: map[string][]time.Duration{},
	}
}

// do runs one operation, timing it and noting its error.
func (w *soakWorker) do(op string, f func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	err := f(ctx)
	w.took[op] = append(w.took[op], time.Since(start))
	if err != nil {
		w.errors++
		if len(w.first) < 5 {
			w.first = append(w.first, op+": "+err.Error())
		}
	}
}

func (w *soakWorker) summary() soakSummary {
	s := soakSummary{Space: w.job.Space, Ops: map[string]int{}, P50: map[string]time.Duration{}, P99: map[string]time.Duration{},
		Bytes: w.bytes, Errors: w.errors, First: w.first, Elapsed: time.Since(w.start)}
	for op, d := range w.took {
		slices.Sort(d)
		s.Ops[op] = len(d)
		s.P50[op] = d[len(d)/2]
		s.P99[op] = d[len(d)*99/100]
	}
	return s
}

// next chooses the next operation: weighted, but only writes while the
// space holds few files and only deletes once it holds many.
func (w *soakWorker) next(weights map[string]int) string {
	switch {
	case len(w.names) < soakMinFiles:
		return "put"
	case len(w.names) >= soakMaxFiles:
		return "delete"
	}
	total := 0
	for _, n := range weights {
		total += n
	}
	x := w.rnd.IntN(total)
	for _, op := range slices.Sorted(maps.Keys(weights)) {
		if x -= weights[op]; x < 0 {
			return op
		}
	}
	panic("unreachable")
}

// payload returns new random content of 1 KiB to 4 MiB, log-uniform: as
// many inline contents as single-block and multi-block ones.
func (w *soakWorker) payload() ([]byte, soakFile) {
	n := min(int(1024*math.Exp2(w.rnd.Float64()*12)), soakMaxSize)
	p := w.buf[:n]
	w.fill.Read(p)
	return p, soakFile{sum: sha256.Sum256(p), size: int64(n)}
}

// newName is a name never used before in the space, in one of a few
// folders (the root included).
func (w *soakWorker) newName() string {
	w.seq++
	if dir := w.rnd.IntN(3); dir > 0 {
		return fmt.Sprintf("d%d/f%d.bin", dir, w.seq)
	}
	return fmt.Sprintf("f%d.bin", w.seq)
}

func (w *soakWorker) pick() (string, soakFile) {
	name := w.names[w.rnd.IntN(len(w.names))]
	return name, w.files[name]
}

func (w *soakWorker) set(name string, f soakFile) {
	if _, ok := w.files[name]; !ok {
		w.names = append(w.names, name)
	}
	w.files[name] = f
}

func (w *soakWorker) remove(name string) {
	delete(w.files, name)
	w.names = slices.DeleteFunc(w.names, func(n string) bool { return n == name })
}

// verify reads a file's content and compares it with the model.
func (w *soakWorker) verify(name string, r io.Reader, want soakFile) error {
	h := sha256.New()
	n, err := io.Copy(h, r)
	w.bytes += n
	if err != nil {
		return fmt.Errorf("%s: read after %d bytes: %w", name, n, err)
	}
	if sum := [32]byte(h.Sum(nil)); n != want.size || sum != want.sum {
		return fmt.Errorf("%s: got %d bytes with SHA-256 %x, want %d bytes with %x", name, n, sum[:6], want.size, want.sum[:6])
	}
	return nil
}

// compare checks a listing (name -> size) against the model, in the
// folder dir ("" for all).
func (w *soakWorker) compare(what string, got map[string]int64, dir string) error {
	for name, f := range w.files {
		if dir != "*" && path.Dir(name) != dir {
			continue
		}
		size, ok := got[name]
		if !ok {
			return fmt.Errorf("%s lacks %s", what, name)
		}
		if size != f.size {
			return fmt.Errorf("%s gives %s %d bytes, want %d", what, name, size, f.size)
		}
		delete(got, name)
	}
	for name := range got {
		return fmt.Errorf("%s holds %s, deleted or never written", what, name)
	}
	return nil
}

// runS3 puts, reads back, lists, overwrites and deletes objects in the
// worker's bucket until the deadline.
func (w *soakWorker) runS3() {
	c := awss3.New(awss3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + w.job.Addr),
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: w.job.AccessKey, SecretAccessKey: w.job.SecretKey}, nil
		}),
	})
	bucket := aws.String(w.job.Space)
	w.do("create", func(ctx context.Context) error {
		_, err := c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: bucket})
		return err
	})
	put := func(op, key string) {
		p, f := w.payload()
		w.do(op, func(ctx context.Context) error {
			_, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: bucket, Key: aws.String(key), Body: bytes.NewReader(p), ContentLength: aws.Int64(f.size)})
			if err == nil {
				w.set(key, f)
				w.bytes += f.size
			}
			return err
		})
	}
	weights := map[string]int{"put": 25, "get": 35, "list": 10, "overwrite": 15, "delete": 15}
	for time.Now().Before(w.deadline) {
		switch op := w.next(weights); op {
		case "put":
			put(op, w.newName())
		case "overwrite":
			key, _ := w.pick()
			put(op, key)
		case "get":
			key, f := w.pick()
			w.do(op, func(ctx context.Context) error {
				out, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: bucket, Key: aws.String(key)})
				if err != nil {
					return err
				}
				defer out.Body.Close()
				return w.verify(key, out.Body, f)
			})
		case "list":
			w.do(op, func(ctx context.Context) error {
				got := map[string]int64{}
				// Small pages: the continuation tokens are exercised too.
				pages := awss3.NewListObjectsV2Paginator(c, &awss3.ListObjectsV2Input{Bucket: bucket, MaxKeys: aws.Int32(7)})
				for pages.HasMorePages() {
					page, err := pages.NextPage(ctx)
					if err != nil {
						return err
					}
					for _, o := range page.Contents {
						if k := aws.ToString(o.Key); !strings.HasSuffix(k, "/") { // emptied folders are listed as "dir/"
							got[k] = aws.ToInt64(o.Size)
						}
					}
				}
				return w.compare("ListObjectsV2", got, "*")
			})
		case "delete":
			key, _ := w.pick()
			w.do(op, func(ctx context.Context) error {
				if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: bucket, Key: aws.String(key)}); err != nil {
					return err
				}
				w.remove(key)
				_, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: bucket, Key: aws.String(key)})
				var re *awshttp.ResponseError
				if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
					return nil
				}
				return fmt.Errorf("HeadObject %s after DeleteObject: %v, want 404", key, err)
			})
		}
	}
}

// runDAV puts, reads back, lists, moves, overwrites and deletes files in the
// worker's folder until the deadline.
func (w *soakWorker) runDAV() {
	hc := &http.Client{}
	call := func(ctx context.Context, method, name string, body []byte, want int, header ...string) (*http.Response, error) {
		u := "http://" + w.job.Addr + "/dav/" + w.job.Space + "/" + name
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.SetBasicAuth(w.job.Login, w.job.Password)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != want {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
			resp.Body.Close()
			return nil, fmt.Errorf("%s %s: %s, want %d: %s", method, name, resp.Status, want, b)
		}
		return resp, nil
	}
	// simple is a call whose answer has no body worth reading.
	simple := func(ctx context.Context, method, name string, body []byte, want int, header ...string) error {
		resp, err := call(ctx, method, name, body, want, header...)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	}
	for _, dir := range []string{"", "d1", "d2"} {
		w.do("mkcol", func(ctx context.Context) error { return simple(ctx, "MKCOL", dir, nil, http.StatusCreated) })
	}
	put := func(op, name string, want int) {
		p, f := w.payload()
		w.do(op, func(ctx context.Context) error {
			err := simple(ctx, "PUT", name, p, want)
			if err == nil {
				w.set(name, f)
				w.bytes += f.size
			}
			return err
		})
	}
	gone := func(ctx context.Context, name string) error {
		return simple(ctx, "GET", name, nil, http.StatusNotFound)
	}
	weights := map[string]int{"put": 20, "get": 30, "propfind": 10, "overwrite": 10, "move": 15, "delete": 15}
	for time.Now().Before(w.deadline) {
		switch op := w.next(weights); op {
		case "put":
			put(op, w.newName(), http.StatusCreated)
		case "overwrite":
			name, _ := w.pick()
			put(op, name, http.StatusNoContent)
		case "get":
			name, f := w.pick()
			w.do(op, func(ctx context.Context) error {
				resp, err := call(ctx, "GET", name, nil, http.StatusOK)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				return w.verify(name, resp.Body, f)
			})
		case "propfind":
			dir := []string{".", "d1", "d2"}[w.rnd.IntN(3)]
			w.do(op, func(ctx context.Context) error {
				resp, err := call(ctx, "PROPFIND", strings.TrimPrefix(dir+"/", "./"), nil, http.StatusMultiStatus, "Depth", "1")
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				got, err := davFiles(resp.Body, w.job.Space)
				if err != nil {
					return fmt.Errorf("PROPFIND %s: %w", dir, err)
				}
				return w.compare("PROPFIND "+dir, got, dir)
			})
		case "move":
			from, f := w.pick()
			to := w.newName()
			w.do(op, func(ctx context.Context) error {
				dest := "http://" + w.job.Addr + "/dav/" + w.job.Space + "/" + to
				if err := simple(ctx, "MOVE", from, nil, http.StatusCreated, "Destination", dest, "Overwrite", "F"); err != nil {
					return err
				}
				w.remove(from)
				w.set(to, f)
				return gone(ctx, from)
			})
		case "delete":
			name, _ := w.pick()
			w.do(op, func(ctx context.Context) error {
				if err := simple(ctx, "DELETE", name, nil, http.StatusNoContent); err != nil {
					return err
				}
				w.remove(name)
				return gone(ctx, name)
			})
		}
	}
}

// davFiles reads a PROPFIND answer: the files it lists (not the folders),
// by name relative to the space, with their sizes.
func davFiles(r io.Reader, space string) (map[string]int64, error) {
	var ms struct {
		Responses []struct {
			Href     string `xml:"href"`
			Propstat []struct {
				Length     *int64    `xml:"prop>getcontentlength"`
				Collection *struct{} `xml:"prop>resourcetype>collection"`
			} `xml:"propstat"`
		} `xml:"response"`
	}
	if err := xml.NewDecoder(r).Decode(&ms); err != nil {
		return nil, err
	}
	files := map[string]int64{}
	for _, resp := range ms.Responses {
		u, err := url.Parse(resp.Href)
		if err != nil {
			return nil, err
		}
		name, ok := strings.CutPrefix(u.Path, "/dav/"+space+"/")
		if !ok {
			return nil, fmt.Errorf("href %q outside /dav/%s/", resp.Href, space)
		}
		var size *int64
		folder := false
		for _, ps := range resp.Propstat {
			folder = folder || ps.Collection != nil
			if ps.Length != nil {
				size = ps.Length
			}
		}
		if folder {
			continue
		}
		if size == nil {
			return nil, fmt.Errorf("%s: no getcontentlength", resp.Href)
		}
		files[name] = *size
	}
	return files, nil
}

// soakPoint is one reading of the server's /metrics.
type soakPoint struct {
	at         time.Duration // since the load started
	goroutines float64
	rss        float64
	scrubbed   float64 // scrub_contents_total
	lastPass   float64 // scrub_last_pass_timestamp_seconds, 0 before the first
}

func (p soakPoint) max(q soakPoint) soakPoint {
	return soakPoint{goroutines: max(p.goroutines, q.goroutines), rss: max(p.rss, q.rss)}
}

func soakScrape(hc *http.Client, url string) (soakPoint, error) {
	resp, err := hc.Get(url)
	if err != nil {
		return soakPoint{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return soakPoint{}, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var parser expfmt.TextParser
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return soakPoint{}, err
	}
	var p soakPoint
	var ok1, ok2 bool
	p.goroutines, ok1 = gaugeValue(fams, "active_goroutines")
	p.rss, ok2 = gaugeValue(fams, "process_resident_memory_bytes")
	p.scrubbed, _ = gaugeValue(fams, "scrub_contents_total")
	p.lastPass, _ = gaugeValue(fams, "scrub_last_pass_timestamp_seconds")
	if !ok1 || !ok2 {
		return p, errors.New("no active_goroutines or process_resident_memory_bytes")
	}
	return p, nil
}

type soakSamples struct {
	points []soakPoint
	errs   []string
}

// soakSample reads /metrics every soakSampleEvery until stop is closed.
func soakSample(hc *http.Client, url string, start time.Time, stop <-chan struct{}) soakSamples {
	var s soakSamples
	tick := time.NewTicker(soakSampleEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return s
		case <-tick.C:
		}
		p, err := soakScrape(hc, url)
		if err != nil {
			s.errs = append(s.errs, fmt.Sprintf("at %s: %v", time.Since(start).Round(time.Second), err))
			continue
		}
		p.at = time.Since(start)
		s.points = append(s.points, p)
	}
}

// soakIdle waits (bounded) for the server's goroutines to come back to at
// most want once the load has stopped, and returns the last reading.
func soakIdle(t *testing.T, hc *http.Client, url string, want float64) soakPoint {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		p, err := soakScrape(hc, url)
		if err != nil {
			t.Fatal(err)
		}
		if p.goroutines <= want {
			return p
		}
		if time.Now().After(deadline) {
			t.Errorf("goroutines still %.0f 15s after the load stopped, want at most %.0f", p.goroutines, want)
			return p
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// soakLogProblems returns the server log's lines that are not JSON or are
// at level ERROR, and how many warnings of each message it holds.
func soakLogProblems(log string) (problems []string, warnings map[string]int) {
	warnings = map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		var v struct{ Level, Msg string }
		switch err := json.Unmarshal([]byte(line), &v); {
		case err != nil:
			problems = append(problems, "not JSON: "+line)
		case v.Level == "ERROR":
			problems = append(problems, line)
		case v.Level == "WARN":
			warnings[v.Msg]++
		}
	}
	return problems, warnings
}

// withoutAccessLog drops the access log's lines: what is left is what the
// server had to say.
func withoutAccessLog(log string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(log, "\n") {
		if !strings.Contains(line, `"msg":"request"`) {
			b.WriteString(line)
		}
	}
	return b.String()
}

func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
