package blob

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Drive is one place shard files live: a local folder today, a remote drive
// later. Names are slash-separated paths relative to the drive. Methods are
// safe for concurrent use; errors are returned as they come (os errors for a
// local drive), wrapped by the Store into *storage.Error.
type Drive interface {
	Name() string                                                     // for logs and errors
	Create(name string) (File, error)                                 // new file for writing (parents created), truncating
	Open(name string) (File, error)                                   // existing file, read and write (heal rewrites blocks)
	Remove(name string) error                                         // remove a file; not existing is not an error
	SyncDir(name string) error                                        // fsync the folder holding name
	Walk(fn func(name string, size int64, mod time.Time) error) error // every shard file
	Probe() error                                                     // write, sync and remove a small file: is the drive usable?
	Usage() (used, free int64, err error)
}

// File is an open shard file. WriteAt and ReadAt may be called concurrently
// at distinct offsets; Write appends sequentially from the start.
type File interface {
	io.ReaderAt
	io.WriterAt
	io.Writer
	Sync() error
	Close() error
}

// blobDir is the folder of a drive that holds shard files.
const blobDir = "blobs"

// localDrive is a Drive over a folder of the local file system.
type localDrive struct{ dir string }

// LocalDrive returns a Drive over the folder dir, created if needed.
func LocalDrive(dir string) (Drive, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: drive %s: %w", dir, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: drive %s: %w", dir, err)
	}
	return &localDrive{dir: abs}, nil
}

func (d *localDrive) Name() string { return d.dir }

func (d *localDrive) path(name string) string {
	return filepath.Join(d.dir, filepath.FromSlash(name))
}

func (d *localDrive) Create(name string) (File, error) {
	p := d.path(name)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		if err := d.mkdirs(path.Dir(name)); err != nil {
			return nil, err
		}
		f, err = os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	}
	if err != nil {
		return nil, err
	}
	return &localFile{File: f}, nil
}

// mkdirs creates the folders of dir below the drive's root, syncing each
// parent so that the new entries are durable. The root itself is never
// created: a drive whose folder vanished (an unmounted disk) must fail rather
// than fill the file system beneath it.
func (d *localDrive) mkdirs(dir string) error {
	if dir == "." || dir == "" {
		return nil
	}
	if err := d.mkdirs(path.Dir(dir)); err != nil {
		return err
	}
	err := os.Mkdir(d.path(dir), 0o700)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return syncDir(filepath.Dir(d.path(dir)))
}

func (d *localDrive) Open(name string) (File, error) {
	f, err := os.OpenFile(d.path(name), os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	return &localFile{File: f}, nil
}

// localFile is a shard file of a local drive. Its sequential writes start
// the disk's writeback every writebackChunk bytes and have a goroutine of
// the file's own (the syncer) fdatasync it every syncChunk bytes, so that
// writing a large content keeps the disk busy and makes it durable as it
// goes instead of leaving the work to the final fsync, and the writer never
// waits for the disk.
//
// What is durable leaves the page cache (dropCache): the syncer drops what
// it synced, Sync the whole file. Shard files are written once and read
// later, if ever, so keeping them would only grow the cache and push out
// what readers use, as MinIO's direct writes avoid too. Growing the cache
// is also what made writes expensive here: on this virtual machine, memory
// the guest has not used lately costs a host fault per page on first use,
// and every new cached page was such memory, while dropped pages are reused
// at once. coffrebench --only webdav, PUT 256 MiB x 1: 141 -> 312 MiB/s,
// CPU per file 3279 -> 1242 ms; --only s3, PUT 1 MiB x 16: CPU per object
// 11.6 -> 6.7 ms. The price: the first read of a content just written comes
// from the disk.
type localFile struct {
	*os.File
	written, kicked, synced int64      // bytes appended by Write; start of the range not yet kicked, not yet synced
	syncs                   chan int64 // wakes the syncer with the bytes to sync; nil while none runs
	syncerDone              chan error // the syncer's first error (or nil) when it ends
}

// writebackChunk is how much a shard file accumulates before its writeback
// is started. Small chunks keep the disk busy all along and leave little
// dirty data for the final fsync, whose wait is the tail of every write: 64
// MiB writes on 4 streams (2+2, 2 shared cores), interleaved A/B runs gave
// medians of 378-451 MB/s with 1 MiB against 254-414 MB/s with 8 MiB, and
// one stream 337-369 against 246-292; 512 KiB was worse at 4 streams
// (about 230 MB/s).
const writebackChunk = 1 << 20

// syncChunk is how much a shard file accumulates before the syncer
// fdatasyncs it. Written-back data is not yet durable: a disk with a write
// cache (a virtual disk over the host's page cache, here) persists it only
// when flushed, so a final fsync alone waited for the whole content to be
// persisted, with the CPUs idle. Syncing as the write goes overlaps that
// with the stream, but every fdatasync costs a journal commit and a cache
// flush. Blob benchmarks, 64 MiB contents, interleaved runs: on a loaded
// machine (load 9-11 on 2 CPUs), 4 MiB cut the final sync from 43-96 ms to
// 9-14 ms for one stream and from 132-155 to 30-36 ms for four; at load 5,
// 4 MiB made four streams 10-30% slower, while 16 MiB made one stream about
// 8% faster (medians 192 against 209 ms per write) and left four as they
// were (698 against 691 ms); 8 MiB was in between.
const syncChunk = 16 << 20

func (f *localFile) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	f.written += int64(n)
	if f.written-f.kicked >= writebackChunk {
		startWriteback(f.File, f.kicked, f.written-f.kicked)
		f.kicked = f.written
	}
	if f.written-f.synced >= syncChunk {
		f.wakeSyncer()
		f.synced = f.written
	}
	return n, err
}

// wakeSyncer asks the syncer, started on first use, for an fdatasync of
// what is written; it replaces a request the syncer has not taken yet.
func (f *localFile) wakeSyncer() {
	if f.syncs == nil {
		f.syncs = make(chan int64, 1)
		f.syncerDone = make(chan error, 1)
		go syncer(f.File, f.syncs, f.syncerDone)
	}
	select {
	case <-f.syncs:
	default:
	}
	f.syncs <- f.written // never blocks: Write is the only sender
}

// syncer fdatasyncs f each time it is woken and drops the bytes the wake
// names from the page cache, until syncs is closed, then sends its first
// error. The error must reach Sync: the kernel reports a failed writeback
// once per open file, so the final fsync would not.
func syncer(f *os.File, syncs <-chan int64, done chan<- error) {
	var first error
	for upTo := range syncs {
		if err := datasync(f); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		dropCache(f, 0, upTo)
	}
	done <- first
}

// stopSyncer waits for the syncer to finish, stops it and returns its error.
func (f *localFile) stopSyncer() error {
	if f.syncs == nil {
		return nil
	}
	close(f.syncs)
	err := <-f.syncerDone
	f.syncs = nil
	return err
}

func (f *localFile) Sync() error {
	if err := f.stopSyncer(); err != nil {
		return err
	}
	if err := f.File.Sync(); err != nil {
		return err
	}
	dropCache(f.File, 0, 0)
	return nil
}

func (f *localFile) Close() error {
	serr := f.stopSyncer()
	if err := f.File.Close(); err != nil {
		return err
	}
	return serr
}

// Preallocate reserves size bytes for the file (and sets its size). On Linux
// this makes the buffered writes that follow several times cheaper and the
// final fsync faster; elsewhere it does nothing.
func (f *localFile) Preallocate(size int64) error { return preallocate(f.File, size) }

// preallocator is implemented by files that can reserve their final size.
type preallocator interface{ Preallocate(size int64) error }

func (d *localDrive) Remove(name string) error {
	err := os.Remove(d.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func (d *localDrive) SyncDir(name string) error { return syncDir(filepath.Dir(d.path(name))) }

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (d *localDrive) Walk(fn func(name string, size int64, mod time.Time) error) error {
	root := filepath.Join(d.dir, blobDir)
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if e.IsDir() {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		rel, err := filepath.Rel(d.dir, p)
		if err != nil {
			return err
		}
		return fn(filepath.ToSlash(rel), info.Size(), info.ModTime())
	})
	return err
}

func (d *localDrive) Probe() error {
	var b [8]byte
	_, _ = rand.Read(b[:])
	p := filepath.Join(d.dir, ".probe-"+hex.EncodeToString(b[:]))
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b[:])
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if rerr := os.Remove(p); err == nil {
		err = rerr
	}
	return err
}

func (d *localDrive) Usage() (used, free int64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(d.dir, &st); err != nil {
		return 0, 0, err
	}
	bs := int64(st.Bsize)
	return (int64(st.Blocks) - int64(st.Bfree)) * bs, int64(st.Bavail) * bs, nil
}

// shardName returns the name of the shard file of a content on every drive.
func shardName(id contentID) string {
	h := hex.EncodeToString(id[:])
	return blobDir + "/" + h[:2] + "/" + h
}

// parseShardName returns the content id of a shard file name.
func parseShardName(name string) (contentID, bool) {
	var id contentID
	base := name[strings.LastIndexByte(name, '/')+1:]
	if len(base) != 2*len(id) || !strings.HasPrefix(name, blobDir+"/") {
		return id, false
	}
	if _, err := hex.Decode(id[:], []byte(base)); err != nil {
		return id, false
	}
	return id, true
}
