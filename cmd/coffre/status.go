package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"coffre/admin"
	"coffre/storage"
	"coffre/storage/blob"
	"coffre/storage/engine"
)

// statusReport is what GET /admin/status answers and coffre status prints.
type statusReport struct {
	Version string        `json:"version"`
	Started time.Time     `json:"started"`
	DataDir string        `json:"data_dir"`
	Drives  []driveStatus `json:"drives"`
	Quorum  quorumStatus  `json:"quorum"`
	Usage   usageStatus   `json:"usage"`
	Jobs    jobsStatus    `json:"jobs"`
}

type driveStatus struct {
	Number int    `json:"number"` // 1-based, as listed in storage.drives
	Path   string `json:"path"`
	Up     bool   `json:"up"`              // a small file can be written, synced and removed
	Error  string `json:"error,omitempty"` // why it is down
	Used   int64  `json:"used"`            // on its file system; 0 when unknown
	Free   int64  `json:"free"`
}

type quorumStatus struct {
	DataShards   int    `json:"data_shards"`
	ParityShards int    `json:"parity_shards"`
	DrivesUp     int    `json:"drives_up"`
	Readable     bool   `json:"readable"` // at least data_shards drives up
	Writable     bool   `json:"writable"` // a write quorum of drives up
	Reason       string `json:"reason,omitempty"`
}

type usageStatus struct {
	PlatformBytes int64 `json:"platform_bytes"` // every version, trash included
	PlatformQuota int64 `json:"platform_quota"` // 0: none
	TrashItems    int   `json:"trash_items"`
	TrashBytes    int64 `json:"trash_bytes"`
}

type jobsStatus struct {
	HealQueue        int               `json:"heal_queue"`        // contents waiting for the healer
	ChecksumFailures int64             `json:"checksum_failures"` // shard blocks, since start
	ShardsHealed     int64             `json:"shards_healed"`     // shard blocks, since start
	Scrubber         *blob.ScrubStatus `json:"scrubber"`          // nil: off
	Maintenance      struct {
		Last     time.Time `json:"last,omitzero"` // end of the last pass; zero: none yet
		Took     string    `json:"took,omitempty"`
		Interval string    `json:"interval"`
	} `json:"maintenance"`
}

// statusReporter returns the function that builds the status report for
// admin.StatusHandler.
func (c *care) statusReporter(cfg Config, eng *engine.Engine) func(context.Context) (any, error) {
	ns := eng.As(storage.Principal{UserID: "status", Login: "status", Admin: true, Protocol: "cli"})
	return func(ctx context.Context) (any, error) {
		r := statusReport{Version: version, Started: c.started.UTC(), DataDir: cfg.DataDir}
		r.Drives = c.driveStatus()
		r.Quorum = quorumStatus{DataShards: cfg.Storage.DataShards, ParityShards: cfg.Storage.ParityShards}
		for _, d := range r.Drives {
			if d.Up {
				r.Quorum.DrivesUp++
			}
		}
		r.Quorum.Readable = r.Quorum.DrivesUp >= cfg.Storage.DataShards
		if err := c.st.blob.Ready(); err != nil {
			r.Quorum.Reason = err.Error()
		} else {
			r.Quorum.Writable = true
		}
		q, err := ns.Quotas(ctx)
		if err != nil {
			return nil, err
		}
		r.Usage.PlatformBytes, r.Usage.PlatformQuota = q.PlatformBytes, q.PlatformQuota
		trash, err := ns.Trash(ctx, true)
		if err != nil {
			return nil, err
		}
		r.Usage.TrashItems = len(trash)
		for _, it := range trash {
			r.Usage.TrashBytes += it.Size
		}
		counts := c.st.blob.Counts()
		r.Jobs.HealQueue, r.Jobs.ChecksumFailures, r.Jobs.ShardsHealed = c.st.blob.HealQueue(), counts.ChecksumFailures, counts.ShardsHealed
		if c.scrubber != nil {
			st := c.scrubber.Status()
			r.Jobs.Scrubber = &st
		}
		last, took := c.lastMaintenance()
		r.Jobs.Maintenance.Interval = cfg.Namespace.MaintenanceInterval.String()
		if !last.IsZero() {
			r.Jobs.Maintenance.Last, r.Jobs.Maintenance.Took = last.UTC(), took.Round(time.Millisecond).String()
		}
		return r, nil
	}
}

// driveStatus probes every drive at once (a dead disk must not make the
// others wait) and reads its usage.
func (c *care) driveStatus() []driveStatus {
	out := make([]driveStatus, len(c.st.drives))
	var wg sync.WaitGroup
	for i, d := range c.st.drives {
		wg.Go(func() {
			s := driveStatus{Number: i + 1, Path: d.Name()}
			err := d.Probe()
			if err == nil {
				s.Used, s.Free, err = d.Usage()
			}
			s.Up = err == nil
			if err != nil {
				s.Error = err.Error()
			}
			out[i] = s
		})
	}
	wg.Wait()
	return out
}

const statusUsage = `Usage: coffre status [--addr HOST:PORT] [--config FILE] [--json]

Asks the running server, on its main listener, for its drives, quorum,
usage and background jobs. Run it on the server's machine: the server
answers only local callers. The address defaults to http.addr of the
config (127.0.0.1:8080 without one).
`

// statusTimeout bounds the whole request: the report probes every drive.
const statusTimeout = 30 * time.Second

// statusCmd asks the running server for its status and prints it.
func statusCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("status", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, statusUsage); fs.PrintDefaults() }
	file := fs.String("config", "", "TOML config `file` whose http.addr to ask (default: the embedded defaults)")
	addr := fs.String("addr", "", "the server's main `address` (host:port); overrides the config")
	asJSON := fs.Bool("json", false, "print the server's JSON for scripts")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("status: unexpected argument %q", fs.Arg(0))
	}
	target, from := *addr, "--addr"
	if target == "" {
		cfg, err := loadConfig(*file)
		if err != nil {
			return err
		}
		target, from = cfg.HTTP.Addr, "http.addr"
	}
	dial, err := dialable(target)
	if err != nil {
		return usageErrorf("status: %s %q is not host:port", from, target)
	}
	target = dial
	body, err := fetchStatus(ctx, target)
	if err != nil {
		return err
	}
	if *asJSON {
		_, err := stdout.Write(body)
		return err
	}
	var r statusReport
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("the server at %s answered, but not with a Coffre status: %v", target, err)
	}
	printStatus(stdout, target, r, time.Now())
	return nil
}

// dialable turns a listening address into one to connect to: a server
// listening on every address (":8080", "0.0.0.0:8080", "[::]:8080") is
// asked on loopback.
func dialable(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}

// fetchStatus gets the status JSON, turning each way of failing into a
// message that says what to do.
func fetchStatus(ctx context.Context, addr string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", "http://"+addr+admin.StatusPath, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var op *net.OpError
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			return nil, fmt.Errorf("the server at %s did not answer within %v", addr, statusTimeout)
		case errors.As(err, &op) && op.Op == "dial":
			return nil, fmt.Errorf("no Coffre server at %s: is it running? (coffre serve; or give its address with --addr)", addr)
		}
		return nil, fmt.Errorf("asking %s: %w", addr, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the answer of %s: %w", addr, err)
	}
	var refusal struct{ Reason string }
	switch resp.StatusCode {
	case http.StatusOK:
		return body, nil
	case http.StatusNotFound:
		return nil, fmt.Errorf("the server at %s does not serve %s: is it a Coffre server of this version? (coffre version)", addr, admin.StatusPath)
	case http.StatusForbidden:
		json.Unmarshal(body, &refusal)
		return nil, fmt.Errorf("the server at %s refused: %s", addr, refusal.Reason)
	}
	if json.Unmarshal(body, &refusal) == nil && refusal.Reason != "" {
		return nil, fmt.Errorf("the server at %s could not tell its status (%s): %s", addr, resp.Status, refusal.Reason)
	}
	return nil, fmt.Errorf("the server at %s answered %s", addr, resp.Status)
}

// printStatus prints the report for people.
func printStatus(w io.Writer, addr string, r statusReport, now time.Time) {
	fmt.Fprintf(w, "Coffre %s at %s, serving since %s\n", r.Version, addr, when(r.Started, now))
	fmt.Fprintf(w, "data         %s\n\n", r.DataDir)

	fmt.Fprintln(w, "drives")
	width := 0
	for _, d := range r.Drives {
		width = max(width, len(d.Path))
	}
	for _, d := range r.Drives {
		if d.Up {
			fmt.Fprintf(w, "  %2d  up    %-*s  used %s, free %s\n", d.Number, width, d.Path, bytesText(d.Used), bytesText(d.Free))
		} else {
			fmt.Fprintf(w, "  %2d  DOWN  %-*s  %s\n", d.Number, width, d.Path, d.Error)
		}
	}
	q := r.Quorum
	state := "readable and writable"
	switch {
	case !q.Readable:
		state = "NOT readable, NOT writable"
	case !q.Writable:
		state = "readable, NOT writable"
	}
	fmt.Fprintf(w, "quorum       %d data + %d parity shards; %d of %d drives up: %s\n", q.DataShards, q.ParityShards, q.DrivesUp, len(r.Drives), state)
	if q.Reason != "" && !q.Writable {
		fmt.Fprintf(w, "             %s\n", q.Reason)
	}
	quota := "no quota"
	if r.Usage.PlatformQuota > 0 {
		quota = "quota " + bytesText(r.Usage.PlatformQuota)
	}
	fmt.Fprintf(w, "usage        %s stored (%s), trash %d items, %s\n\n", bytesText(r.Usage.PlatformBytes), quota, r.Usage.TrashItems, bytesText(r.Usage.TrashBytes))

	j := r.Jobs
	fmt.Fprintf(w, "healer       %d contents queued; since start %d bad shard blocks found, %d rebuilt\n", j.HealQueue, j.ChecksumFailures, j.ShardsHealed)
	printScrubber(w, j.Scrubber, now)
	if j.Maintenance.Last.IsZero() {
		fmt.Fprintf(w, "maintenance  not run yet; every %s\n", j.Maintenance.Interval)
	} else {
		fmt.Fprintf(w, "maintenance  last run ended %s, took %s; every %s\n", when(j.Maintenance.Last, now), j.Maintenance.Took, j.Maintenance.Interval)
	}
}

func printScrubber(w io.Writer, s *blob.ScrubStatus, now time.Time) {
	if s == nil {
		fmt.Fprintln(w, "scrubber     off (scrub.rate = 0)")
		return
	}
	fmt.Fprintf(w, "scrubber     every %s at %s/s\n", s.Interval, bytesText(s.Rate))
	if c := s.Current; c != nil {
		fmt.Fprintf(w, "  current    %.0f%% done, started %s: %s\n", 100*c.Progress, when(c.Started, now), passCounts(c))
	}
	if l := s.Last; l != nil {
		fmt.Fprintf(w, "  last pass  ended %s, took %s: %s\n", when(l.Finished, now), took(l.Finished.Sub(l.Started)), passCounts(l))
	} else {
		fmt.Fprintln(w, "  last pass  none complete yet")
	}
	if !s.NextPass.IsZero() {
		fmt.Fprintf(w, "  next pass  %s\n", when(s.NextPass, now))
	}
	if s.Error != "" {
		fmt.Fprintf(w, "  stopped    %s (retrying)\n", s.Error)
	}
}

// took is a duration rounded for people: to the millisecond below a
// minute, else to the second.
func took(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

func passCounts(p *blob.ScrubPass) string {
	return fmt.Sprintf("%d contents, %s, %d damaged, %d repaired, %d lost", p.Contents, bytesText(p.Bytes), p.Damaged, p.Repaired, p.Lost)
}

// when is a time with how long ago (or in how long) it is.
func when(t, now time.Time) string {
	d := now.Sub(t).Round(time.Second)
	rel := d.String() + " ago"
	if d < 0 {
		rel = "in " + (-d).String()
	}
	return fmt.Sprintf("%s (%s)", t.UTC().Format("2006-01-02 15:04:05 UTC"), rel)
}

// bytesText is a byte count for people: "512 B", "1.5 MiB".
func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[i])
}
