package main

import "time"

// config sizes one run. fullConfig is the real measurement; quickConfig a
// smoke run that exercises every path in a few seconds.
type config struct {
	quick bool

	// Baseline.
	rawFiles      int           // written and read in parallel
	rawFileSize   int64         // bytes per file
	rawIO         int           // bytes per write and read call
	rawWrites     int           // write the files this many times, keep the best
	rawReadDur    time.Duration // read the files again until this long has passed
	fsyncMin      int           // fsync latency: at least this many fsyncs
	fsyncDur      time.Duration // and for at least this long
	smallFileDur  time.Duration // raw 4 KiB file writes and reads: at least this long
	smallFileMinN int           // and at least this many

	// Engine.
	dataShards, parityShards, drives int

	bigSize    int64         // bytes per large file
	bigMinN    int           // at least this many large files per measurement
	bigDur     time.Duration // and for at least this long
	smallSize  int64         // bytes per small file
	smallConc  int           // concurrency of the small-file measurements
	smallMinN  int           // at least this many small files per measurement
	smallDur   time.Duration // and for at least this long
	maxDur     time.Duration // any measurement stops after this long
	readBuffer int           // bytes per ReadAt call on GET

	// S3 (issue 4): object classes measured through the engine, S3 and
	// plain HTTP, and the full listing.
	s3Classes []s3Spec
	listKeys  int           // keys in the listed bucket
	listPage  int           // keys per ListObjectsV2 page
	listMinN  int           // at least this many full listings
	listDur   time.Duration // and for at least this long

	// WebDAV (issue 5): file classes through the engine, WebDAV and plain
	// HTTP; PROPFIND reuses the listing's sizes.
	davClasses []s3Spec

	profilePrefix string // when set, CPU profiles of engine measurements go to PREFIX-<name>.pprof
}

// s3Spec is one object size at one concurrency.
type s3Spec struct {
	class  string // "large", "mid" or "small": which targets apply
	size   int64
	conc   int
	minN   int
	minDur time.Duration
}

const (
	kib = 1 << 10
	mib = 1 << 20
)

func fullConfig() config {
	return config{
		rawFiles:      4,
		rawFileSize:   256 * mib,
		rawIO:         1 * mib,
		rawWrites:     2,
		rawReadDur:    2 * time.Second,
		fsyncMin:      50,
		fsyncDur:      time.Second,
		smallFileDur:  time.Second,
		smallFileMinN: 500,

		dataShards: 2, parityShards: 2, drives: 4,

		bigSize: 64 * mib,
		// 64 MiB transfers run for 5 s and 16 files, here and in the large
		// S3 and WebDAV classes: 3 s moved them 10-20% from run to run.
		bigMinN:    16,
		bigDur:     5 * time.Second,
		smallSize:  4 * kib,
		smallConc:  16,
		smallMinN:  2000,
		smallDur:   3 * time.Second,
		maxDur:     12 * time.Second,
		readBuffer: 1 * mib,

		s3Classes: []s3Spec{
			{"large", 64 * mib, 4, 16, 5 * time.Second},
			{"mid", 1 * mib, 16, 200, 3 * time.Second},
			{"small", 4 * kib, 32, 2000, 3 * time.Second},
		},
		davClasses: []s3Spec{
			{"large", 64 * mib, 4, 16, 5 * time.Second},
			// Long enough for 4 to 6 files: a window of 2 files moved
			// the WebDAV/engine ratio by 10 points from run to run.
			{"single", 256 * mib, 1, 6, 5 * time.Second},
		},
		listKeys: 10000,
		listPage: 1000,
		listMinN: 5,
		listDur:  2 * time.Second,
	}
}

func quickConfig() config {
	c := fullConfig()
	c.quick = true
	c.rawFileSize, c.rawReadDur, c.rawWrites = 4*mib, 0, 1
	c.fsyncMin, c.fsyncDur = 5, 0
	c.smallFileDur, c.smallFileMinN = 0, 32
	c.bigSize, c.bigMinN, c.bigDur = 4*mib+123, 4, 0
	c.smallMinN, c.smallDur = 64, 0
	c.maxDur = 20 * time.Second
	c.s3Classes = []s3Spec{
		{"large", 4*mib + 123, 4, 4, 0},
		{"mid", 64 * kib, 16, 32, 0},
		{"small", 4 * kib, 32, 64, 0},
	}
	c.davClasses = []s3Spec{
		{"large", 4*mib + 123, 4, 4, 0},
		{"single", 8 * mib, 1, 1, 0},
	}
	c.listKeys, c.listMinN, c.listDur = 1500, 1, 0
	return c
}
