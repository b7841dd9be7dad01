// Copyright 2026 The hoop Authors.

package hoop

/*
#include <stdint.h>
#include <stdlib.h>
#include "hoop/hoop.h"

extern int hoopGoRecordWrite(void* user, uint8_t* framed, size_t n);

static int hoop_go_record_write(void* user, const uint8_t* framed, size_t n) {
  return hoopGoRecordWrite(user, (uint8_t*)framed, n);
}

static hoop_status hoop_go_recorder_new_callback(void* user, hoop_recorder** out,
                                                 hoop_error** err) {
  return hoop_recorder_new_callback(hoop_go_record_write, NULL, user, out, err);
}
*/
import "C"

import (
	"runtime"
	"runtime/cgo"
	"sync"
	"time"
	"unsafe"
)

// Durability says when a file recorder syncs its records to disk.
type Durability int

const (
	EveryRecord Durability = 0 // fdatasync after each record
	Interval    Durability = 1 // at most the given interval apart (default 200 ms)
	AtClose     Durability = 2
)

// Recorder is where sessions' tamper-evident records go. It is a
// configuration: each session made with it gets its own recorder (a file
// named after the session id, or the callback). Sessions copy it, so it may
// be changed or closed after they are made.
type Recorder struct {
	h    *C.hoop_recorder
	sink *recordSink // callback recorders only
}

// recordSink is what the C side calls back into. It lives (its cgo.Handle
// and the C word holding it) until the Recorder and every session made with
// it are closed: reference counted.
type recordSink struct {
	fn   func(record []byte) error
	mu   sync.Mutex
	refs int
	h    cgo.Handle
	user unsafe.Pointer // C memory holding h
}

func (s *recordSink) write(record []byte) error { return s.fn(record) }

func (s *recordSink) ref() {
	s.mu.Lock()
	s.refs++
	s.mu.Unlock()
}

func (s *recordSink) unref() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs--; s.refs == 0 {
		s.h.Delete()
		C.free(s.user)
	}
}

func newRecorder(h *C.hoop_recorder, sink *recordSink) *Recorder {
	r := &Recorder{h: h, sink: sink}
	runtime.SetFinalizer(r, (*Recorder).Close)
	return r
}

// NewDirRecorder records each session to "<dir>/<session id>.hooprec" (dir
// is created if absent), readable with `hoopctl verify`.
func NewDirRecorder(dir string) (*Recorder, error) {
	p := cString(dir)
	defer free(p)
	var h *C.hoop_recorder
	var e *C.hoop_error
	if err := check(C.hoop_recorder_new_dir(p, &h, &e), e); err != nil {
		return nil, err
	}
	return newRecorder(h, nil), nil
}

// NewFileRecorder records to exactly path: one session per path.
func NewFileRecorder(path string) (*Recorder, error) {
	p := cString(path)
	defer free(p)
	var h *C.hoop_recorder
	var e *C.hoop_error
	if err := check(C.hoop_recorder_new_file(p, &h, &e), e); err != nil {
		return nil, err
	}
	return newRecorder(h, nil), nil
}

// NewCallbackRecorder calls fn with each record, in order, exactly as a file
// would hold it (varint length + serialized hoop.session.v1.Record). fn runs
// on the session's recorder thread (or, with SetQueueCapacity(0), in the
// session's calls), one call at a time per session; sessions may call it
// concurrently. An error from fn fails the recorder, and the session then
// closes (fail closed).
func NewCallbackRecorder(fn func(record []byte) error) (*Recorder, error) {
	sink := &recordSink{fn: fn, refs: 1}
	sink.h = cgo.NewHandle(sink)
	sink.user = C.malloc(C.size_t(unsafe.Sizeof(C.uintptr_t(0))))
	*(*C.uintptr_t)(sink.user) = C.uintptr_t(sink.h)
	var h *C.hoop_recorder
	var e *C.hoop_error
	if err := check(C.hoop_go_recorder_new_callback(sink.user, &h, &e), e); err != nil {
		sink.unref()
		return nil, err
	}
	return newRecorder(h, sink), nil
}

// SetSigningKeyPEM signs checkpoints with an Ed25519 private key (PKCS#8
// PEM, as made by `openssl genpkey -algorithm ed25519`).
func (r *Recorder) SetSigningKeyPEM(pem []byte) error {
	if r.h == nil {
		return ErrClosed
	}
	defer runtime.KeepAlive(r)
	p, n := cBytes(pem)
	var e *C.hoop_error
	return check(C.hoop_recorder_set_signing_key_pem(r.h, p, n, &e), e)
}

// SetDurability: interval is used by Interval (> 0).
func (r *Recorder) SetDurability(d Durability, interval time.Duration) error {
	if r.h == nil {
		return ErrClosed
	}
	defer runtime.KeepAlive(r)
	var e *C.hoop_error
	return check(C.hoop_recorder_set_durability(r.h, C.hoop_durability(d),
		C.int64_t(interval.Milliseconds()), &e), e)
}

// SetQueueCapacity: records queued to the recorder thread (default 4096);
// 0: written on the session's own thread.
func (r *Recorder) SetQueueCapacity(records int) error {
	if r.h == nil {
		return ErrClosed
	}
	defer runtime.KeepAlive(r)
	var e *C.hoop_error
	return check(C.hoop_recorder_set_queue_capacity(r.h, C.size_t(records), &e), e)
}

// SetCheckpointEvery: records between signed checkpoints (> 0).
func (r *Recorder) SetCheckpointEvery(records uint32) error {
	if r.h == nil {
		return ErrClosed
	}
	defer runtime.KeepAlive(r)
	var e *C.hoop_error
	return check(C.hoop_recorder_set_checkpoint_every(r.h, C.uint32_t(records), &e), e)
}

// Close frees the configuration. Sessions made with it go on recording.
// Idempotent.
func (r *Recorder) Close() error {
	if r.h != nil {
		C.hoop_recorder_free(r.h)
		r.h = nil
		if r.sink != nil {
			r.sink.unref()
		}
		runtime.SetFinalizer(r, nil)
	}
	return nil
}
