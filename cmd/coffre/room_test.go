package main

import (
	"errors"
	"testing"

	"coffre/storage/blob"
)

// The room for content is the fullest drive's free space times the data
// shards; drives that do not answer are left out.
func TestContentRoom(t *testing.T) {
	var drives []blob.Drive
	least := int64(-1)
	for range 2 {
		d, err := blob.LocalDrive(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		_, free, err := d.Usage()
		if err != nil {
			t.Fatal(err)
		}
		if least < 0 || free < least {
			least = free
		}
		drives = append(drives, d)
	}
	off := offlineDrive{name: "gone", err: errors.New("unplugged")}
	s := &store{drives: append(drives, off)}
	// Free space moves with what others write: allow for it.
	if got := s.contentRoom(3); got <= 0 || got > 3*least+3<<30 || got < 3*least-3<<30 {
		t.Errorf("room %d, the fullest drive has %d free", got, least)
	}
	if got := (&store{drives: []blob.Drive{off}}).contentRoom(2); got != -1 {
		t.Errorf("no drive answers: room %d", got)
	}
}
