package blob

import (
	"os"
	"syscall"
)

func preallocate(f *os.File, size int64) error {
	if size <= 0 {
		return nil
	}
	err := syscall.Fallocate(int(f.Fd()), 0, 0, size)
	if err == syscall.EOPNOTSUPP || err == syscall.ENOSYS {
		return nil
	}
	return err
}

// startWriteback asks the kernel to start writing [off, off+n) of f to disk
// without waiting (sync_file_range with SYNC_FILE_RANGE_WRITE), so that the
// disk works while the stream goes on and the final fsync is short. It is a
// hint: errors are ignored, Sync still decides durability.
func startWriteback(f *os.File, off, n int64) {
	const syncFileRangeWrite = 2
	_, _, _ = syscall.Syscall6(syscall.SYS_SYNC_FILE_RANGE, f.Fd(), uintptr(off), uintptr(n), syncFileRangeWrite, 0, 0)
}

// datasync makes f's data durable with what is needed to read it back
// (fdatasync), without the rest of its metadata.
func datasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }

// dropCache asks the kernel to drop [off, off+n) of f from the page cache,
// the rest of the file when n is 0 (fadvise POSIX_FADV_DONTNEED). Only clean
// pages go: call it on what is synced. A hint: errors are ignored.
func dropCache(f *os.File, off, n int64) {
	const fadvDontNeed = 4
	_, _, _ = syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), uintptr(off), uintptr(n), fadvDontNeed, 0, 0)
}
