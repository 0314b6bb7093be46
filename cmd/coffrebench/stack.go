package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"coffre/storage"
	"coffre/storage/blob"
	"coffre/storage/engine"
	"coffre/storage/meta"
)

// stack is the engine as the server assembles it: Pebble metadata, drive
// folders, the content store and the engine, on one data directory.
type stack struct {
	meta *meta.Store
	blob *blob.Store // nil until opened
	eng  *engine.Engine
	ns   storage.Namespace // the engine as an administrator
}

// openStack assembles the engine on dir with cfg's drive count and shards.
func openStack(ctx context.Context, cfg config, dir string) (*stack, error) {
	m, err := meta.Open(filepath.Join(dir, "meta"), meta.Options{})
	if err != nil {
		return nil, err
	}
	s := &stack{meta: m}
	if err := s.init(ctx, cfg, dir); err != nil {
		return nil, errors.Join(err, s.close())
	}
	return s, nil
}

func (s *stack) init(ctx context.Context, cfg config, dir string) error {
	drives := make([]blob.Drive, cfg.drives)
	for i := range drives {
		p := filepath.Join(dir, fmt.Sprintf("drive%d", i))
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		d, err := blob.LocalDrive(p)
		if err != nil {
			return err
		}
		drives[i] = d
	}
	var key [32]byte
	_, _ = rand.Read(key[:])
	b, err := blob.New(s.meta, drives, blob.Options{DataShards: cfg.dataShards, ParityShards: cfg.parityShards, MasterKey: key[:]})
	if err != nil {
		return err
	}
	s.blob = b
	if _, _, err := b.Collect(ctx); err != nil {
		return err
	}
	e, err := engine.New(s.meta, b, engine.Options{})
	if err != nil {
		return err
	}
	s.eng = e
	s.ns = e.As(storage.Principal{UserID: "admin", Login: "admin", Admin: true})
	return nil
}

// close closes the metadata store.
func (s *stack) close() error { return s.meta.Close() }

// freshStack opens a new stack in the folder name of data, for one part of
// the run.
func freshStack(ctx context.Context, cfg config, data, name string) (*stack, error) {
	dir := filepath.Join(data, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	return openStack(ctx, cfg, dir)
}
