package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"coffre/admin"
	"coffre/annotation"
	"coffre/auth"
	"coffre/billing"
	"coffre/gateway"
	"coffre/gateway/rest"
	"coffre/gateway/s3"
	"coffre/gateway/web"
	"coffre/gateway/webdav"
	"coffre/geoip"
	"coffre/metrics"
	"coffre/settings"
	"coffre/shares"
	"coffre/storage/audit"
	"coffre/storage/engine"
)

// serveCmd runs the server until ctx ends (SIGINT or SIGTERM), then shuts
// down in order: the listener stops and in-flight requests finish, the
// background healer stops, the metadata store closes, the lock is released.
func serveCmd(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	cf := addCommonFlags(fs)
	httpAddr := fs.String("http", "", "main `address` (host:port): /health, /ready (default from config, 127.0.0.1:8080)")
	s3Addr := fs.String("s3", "", "S3 `address` (host:port), or off (default from config, 127.0.0.1:9000)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("serve: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := cf.config(fs, func(c *Config) {
		if *httpAddr != "" {
			c.HTTP.Addr = *httpAddr
		}
		if *s3Addr != "" {
			c.S3.Addr = *s3Addr
		}
	})
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.Log)

	lock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	defer func() {
		if err := lock.release(); err != nil {
			log.Warn("release lock", "err", err)
		}
	}()

	// A wrong GeoIP path fails the start before anything is created.
	var geo func(ip string) (shares.Geo, bool)
	if cfg.Links.GeoIPDB != "" {
		db, err := geoip.Open(cfg.Links.GeoIPDB)
		if err != nil {
			return fmt.Errorf("links.geoip_db: %w", err)
		}
		defer db.Close() // after runAll has stopped the servers
		geo = db.Lookup
		log.Info("link statistics geolocated", "geoip_db", cfg.Links.GeoIPDB)
	}

	key, err := masterKey(cfg, true, log)
	if err != nil {
		return err
	}
	st, err := openStore(cfg, key, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.close(); err != nil {
			log.Error("close metadata store", "err", err)
			return
		}
		log.Info("metadata store closed")
	}()

	ns := cfg.Namespace
	auditLog, err := audit.New(st.meta, audit.Options{Retention: ns.AuditRetention, Logger: log.With("component", "audit")})
	if err != nil {
		return err
	}
	eng, err := engine.New(st.meta, st.blob, engine.Options{
		Logger:         log.With("component", "engine"),
		Audit:          auditLog,
		MaxVersions:    ns.MaxVersions,
		TrashRetention: ns.TrashRetention,
		LockTimeout:    ns.LockTimeout,
		MaxLockTimeout: ns.MaxLockTimeout,
		LockRead:       ns.LockRead,
		Quota:          ns.Quota,
		UploadExpiry:   cfg.S3.UploadExpiry,
	})
	if err != nil {
		return err
	}

	// Listen before creating the administrator, so that a taken port fails
	// the first start before any credentials are generated and printed.
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("http listener: %w", err)
	}
	defer ln.Close() // Serve closes it too; this covers the early returns
	var s3ln net.Listener
	if cfg.S3.enabled() {
		if s3ln, err = net.Listen("tcp", cfg.S3.Addr); err != nil {
			return fmt.Errorf("s3 listener: %w", err)
		}
		defer s3ln.Close()
	}

	m := metrics.New(metrics.Options{Meta: st.meta.Check, Drives: st.driveReadings, Namespace: namespaceReading(ctx, eng)})
	bg := newCare(cfg, st, log)
	m.WatchCare(bg.reading)
	sets := settings.New(st.meta, settings.Options{Audit: auditLog})
	users, err := auth.New(st.meta, key, auth.Options{Logger: log.With("component", "auth"), Audit: m.Logins(auditLog),
		SessionLimits: sets.SessionLimits})
	if err != nil {
		return err
	}
	created, gen, err := users.Bootstrap(ctx, auth.BootstrapInput{
		Password:  env("COFFRE_ADMIN_PASSWORD"),
		AccessKey: env("COFFRE_ADMIN_ACCESS_KEY"),
		SecretKey: env("COFFRE_ADMIN_SECRET_KEY"),
	})
	if err != nil {
		return fmt.Errorf("create administrator: %w", err)
	}
	if created {
		printCredentials(stdout, gen)
	} else if env("COFFRE_ADMIN_PASSWORD")+env("COFFRE_ADMIN_ACCESS_KEY")+env("COFFRE_ADMIN_SECRET_KEY") != "" {
		log.Info("the administrator exists already; COFFRE_ADMIN_* variables apply only at first start and are ignored")
	}

	ops := admin.New(admin.Options{
		Logger: log.With("component", "admin"),
		Checks: []admin.Check{
			{Name: "meta", Probe: func(context.Context) error { return st.meta.Check() }},
			{Name: "drives", Probe: func(context.Context) error { return st.blob.Ready() }},
		},
		Metrics: m.Handler(),
	})
	mux := http.NewServeMux()
	ops.Register(mux)
	mux.Handle("GET "+admin.StatusPath, admin.StatusHandler(bg.statusReporter(cfg, eng)))
	dav, err := webdav.New(webdav.Options{
		Service:           eng,
		Auth:              users,
		Logger:            log.With("component", "webdav"),
		RefuseMacMetadata: cfg.WebDAV.RefuseMacMetadata,
		Uploaded:          func() { m.Upload("webdav") },
		Room:              func() int64 { return st.contentRoom(cfg.Storage.DataShards) },
	})
	if err != nil {
		return err
	}
	davRoute := gateway.Route("/dav", dav)
	mux.Handle("/dav/", davRoute)
	mux.Handle("/dav", davRoute) // else ServeMux redirects, and PROPFIND clients do not follow
	notes, err := annotation.New(st.meta, annotation.Options{Audit: auditLog})
	if err != nil {
		return err
	}
	links, err := shares.New(st.meta, shares.Options{Service: eng, Owner: users.ActivePrincipal, Passwords: users, Audit: auditLog, Geo: geo})
	if err != nil {
		return err
	}
	bill, err := billing.New(st.meta, billing.DeriveKey(key), billing.Options{Audit: auditLog})
	if err != nil {
		return err
	}
	api, err := rest.New(rest.Options{
		Service:     eng,
		Auth:        users,
		Audit:       auditLog,
		Settings:    sets,
		Annotations: notes,
		Shares:      links,
		Billing:     bill,
		DriveStats:  st.driveStats,
		Uploaded:    func() { m.Upload("rest") },
		Logger:      log.With("component", "rest"),
		Features: rest.Features{
			Lock:       true,
			LockRead:   ns.LockRead,
			Trash:      true,
			Versioning: ns.MaxVersions != 1,
		},
	})
	if err != nil {
		return err
	}
	mux.Handle("/api/", api)
	pages, err := web.New(web.Options{
		Links:        links,
		Logger:       log.With("component", "web"),
		DataShards:   cfg.Storage.DataShards,
		ParityShards: cfg.Storage.ParityShards,
	})
	if err != nil {
		return err
	}
	mux.Handle("/s/", gateway.Route("/s", pages))

	serverOpts := func(name string) gateway.Options {
		return gateway.Options{
			Name:              name,
			ReadHeaderTimeout: cfg.HTTP.ReadHeaderTimeout,
			IdleTimeout:       cfg.HTTP.IdleTimeout,
			MaxHeaderBytes:    cfg.HTTP.MaxHeaderBytes,
			ShutdownTimeout:   cfg.HTTP.ShutdownTimeout,
			Logger:            log,
			Observe:           m.ObserveHTTP,
			RequestRate:       cfg.HTTP.RequestRate,
			RequestBurst:      cfg.HTTP.RequestBurst,
		}
	}
	servers := []served{{"http", gateway.New(serverOpts("http"), mux), ln}}
	if s3ln != nil {
		h := s3.New(s3.Options{
			Service:      eng,
			Keys:         users.SecretKey,
			Region:       cfg.S3.Region,
			Domain:       cfg.S3.Domain,
			UploadExpiry: cfg.S3.UploadExpiry,
			Logger:       log.With("component", "s3"),
			Observe:      m.ObserveS3,
		})
		opts := serverOpts("s3")
		opts.Refuse = s3.SlowDown
		servers = append(servers, served{"s3", gateway.New(opts, gateway.Route("s3", h)), s3ln})
	} else {
		log.Info("S3 endpoint off (s3.addr)")
	}

	checkpoints := newCheckpointer(cfg, st, key, log.With("component", "checkpoint"))
	checkpoints.observe = func(written int, took time.Duration, failed bool) {
		m.Pass("metadata checkpoints", written, took, failed)
	}
	care := func(name string, interval time.Duration, pass passFunc) loop {
		return every(name, interval, log.With("component", "care"), m, pass)
	}
	loops := []loop{
		{"healer", st.blob.Run},
		{"scrubber", bg.scrub},
		care("engine maintenance", ns.MaintenanceInterval, bg.maintain(eng)),
		care("collector", cfg.Scrub.CollectInterval, collect(st)),
		care("audit retention", ns.MaintenanceInterval, counted(auditLog.PruneExpired)),
		care("token expiry", ns.MaintenanceInterval, counted(users.PurgeTokens)),
		care("link token expiry", ns.MaintenanceInterval, counted(func(context.Context) (int, error) { return links.PurgeTokens() })),
		{"metadata checkpoints", checkpoints.run},
		{"control socket", controlLoop(cfg, st, key, log.With("component", "control"))},
	}
	return runAll(ctx, log, servers, loops, cfg.DataDir)
}

// served is a server and its listener.
type served struct {
	name string
	srv  *gateway.Server
	ln   net.Listener
}

// runAll serves until ctx ends, with the background loops alongside. A
// server that fails stops the others; the loops stop only once every
// server has finished its in-flight requests.
func runAll(ctx context.Context, log *slog.Logger, servers []served, loops []loop, dataDir string) error {
	loopCtx, stopLoops := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, l := range loops {
		wg.Go(func() {
			if err := l.run(loopCtx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("background loop stopped", "loop", l.name, "err", err)
			}
		})
	}
	attrs := []any{"data", dataDir, "version", version}
	for _, s := range servers {
		attrs = append(attrs, s.name, s.ln.Addr().String())
	}
	log.Info("coffre is serving", attrs...)
	serveCtx, stop := context.WithCancel(ctx)
	errs := make([]error, len(servers))
	var swg sync.WaitGroup
	for i, s := range servers {
		swg.Go(func() {
			errs[i] = s.srv.Serve(serveCtx, s.ln)
			stop() // one server down: stop the others
		})
	}
	swg.Wait()
	stop()
	stopLoops()
	wg.Wait()
	return errors.Join(errs...)
}
