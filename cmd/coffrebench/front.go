package main

import (
	"context"
	"fmt"

	"coffre/storage"
)

// trio is one class of files measured three ways: through the engine,
// through a front end, and through the plain HTTP ceiling.
type trio struct {
	engPut, engGet   stats
	fePut, feGet     stats
	httpPut, httpGet stats
}

// frontEnd writes and reads a phase's files through one protocol.
type frontEnd struct {
	name string // for messages: "S3", "WebDAV"
	put  func(ctx context.Context, cfg config, p phase) (stats, error)
	get  func(ctx context.Context, cfg config, p phase, n int64) (stats, error)
}

// measureTrio measures the phases eng (through ns), over (through fe) and
// plain (through ceil), each PUT then GET; name labels errors.
func measureTrio(ctx context.Context, cfg config, ns storage.Namespace, fe frontEnd, ceil *ceiling, name string, eng, over, plain phase) (trio, error) {
	var t trio
	var err error
	if t.engPut, err = profiled(cfg, "put-"+eng.name, func() (stats, error) { return put(ctx, cfg, ns, eng) }); err != nil {
		return t, fmt.Errorf("engine put %s: %w", name, err)
	}
	if err = warm(ctx, cfg, ns, eng, t.engPut.ops); err != nil {
		return t, err
	}
	if t.engGet, err = profiled(cfg, "get-"+eng.name, func() (stats, error) { return get(ctx, cfg, ns, eng, t.engPut.ops) }); err != nil {
		return t, fmt.Errorf("engine get %s: %w", name, err)
	}
	if t.fePut, err = profiled(cfg, "put-"+over.name, func() (stats, error) { return fe.put(ctx, cfg, over) }); err != nil {
		return t, fmt.Errorf("%s put %s: %w", fe.name, name, err)
	}
	if err = warm(ctx, cfg, ns, over, t.fePut.ops); err != nil {
		return t, err
	}
	if t.feGet, err = profiled(cfg, "get-"+over.name, func() (stats, error) { return fe.get(ctx, cfg, over, t.fePut.ops) }); err != nil {
		return t, fmt.Errorf("%s get %s: %w", fe.name, name, err)
	}
	if t.httpPut, err = ceil.put(ctx, cfg, plain); err != nil {
		return t, fmt.Errorf("HTTP put %s: %w", name, err)
	}
	if t.httpGet, err = ceil.get(ctx, cfg, plain, t.httpPut.ops); err != nil {
		return t, fmt.Errorf("HTTP get %s: %w", name, err)
	}
	return t, nil
}
