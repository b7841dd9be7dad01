// Copyright 2026 The hoop Authors.

package hoop

/*
#include <stdlib.h>
#include "hoop/hoop.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// Masker is a compiled masking profile: detectors (EMAIL, PAYMENT_CARD,
// US_SSN, ..., custom patterns) and column rules. Immutable: share one per
// profile among any number of sessions and goroutines.
type Masker struct {
	h       *C.hoop_masker
	scratch sync.Pool // of *scratch: where results are written, per call
}

type scratch struct{ h *C.hoop_mask_scratch }

func newMasker(h *C.hoop_masker) *Masker {
	m := &Masker{h: h}
	m.scratch.New = func() any {
		var s *C.hoop_mask_scratch
		if C.hoop_mask_scratch_new(&s, nil) != C.HOOP_OK {
			return nil
		}
		sc := &scratch{h: s}
		// The pool drops items at GC: free their C memory then.
		runtime.SetFinalizer(sc, func(sc *scratch) { C.hoop_mask_scratch_free(sc.h) })
		return sc
	}
	runtime.SetFinalizer(m, (*Masker).Close)
	return m
}

// DefaultMasker returns every built-in detector, values replaced by
// "[EMAIL]", "[PAYMENT_CARD]", ...
func DefaultMasker() (*Masker, error) {
	var h *C.hoop_masker
	var e *C.hoop_error
	if err := check(C.hoop_masker_new_default(&h, &e), e); err != nil {
		return nil, err
	}
	return newMasker(h), nil
}

// LoadMasker compiles a profile (YAML or JSON; proto/hoop/masking/v1).
// Errors: InvalidArgument "<source>:<line>:<column>: <field>: <what>".
func LoadMasker(profile []byte, source string) (*Masker, error) {
	text, n := cBytes(profile)
	var src *C.char
	if source != "" {
		src = cString(source)
		defer free(src)
	}
	var h *C.hoop_masker
	var e *C.hoop_error
	if err := check(C.hoop_masker_new_from_text(text, n, src, &h, &e), e); err != nil {
		return nil, err
	}
	return newMasker(h), nil
}

// LoadMaskerFile compiles the profile in a file (NotFound if unreadable).
func LoadMaskerFile(path string) (*Masker, error) {
	p := cString(path)
	defer free(p)
	var h *C.hoop_masker
	var e *C.hoop_error
	if err := check(C.hoop_masker_new_from_file(p, &h, &e), e); err != nil {
		return nil, err
	}
	return newMasker(h), nil
}

// Mask masks one result cell of a column (name and type as the server
// reports them, e.g. "email", "text"; either may be ""). It returns value
// itself (the same slice) when nothing was masked, else a new slice. A value
// that cannot be masked is replaced whole, never returned raw.
func (m *Masker) Mask(value []byte, column, typ string) ([]byte, error) {
	col := []byte(column)
	ty := []byte(typ)
	return m.mask(value, func(s *C.hoop_mask_scratch, out **C.char, n *C.size_t, e **C.hoop_error) C.hoop_status {
		cp, cn := cBytes(col)
		tp, tn := cBytes(ty)
		vp, vn := cBytes(value)
		return C.hoop_masker_mask_cell(m.h, s, cp, cn, tp, tn, vp, vn, out, n, e)
	})
}

// MaskBuffer masks free text (a transcript, a body) with the profile's
// detectors only. Same result contract as Mask.
func (m *Masker) MaskBuffer(data []byte) ([]byte, error) {
	return m.mask(data, func(s *C.hoop_mask_scratch, out **C.char, n *C.size_t, e **C.hoop_error) C.hoop_status {
		vp, vn := cBytes(data)
		return C.hoop_masker_mask_buffer(m.h, s, vp, vn, out, n, e)
	})
}

func (m *Masker) mask(value []byte, call func(*C.hoop_mask_scratch, **C.char, *C.size_t, **C.hoop_error) C.hoop_status) ([]byte, error) {
	if m.h == nil {
		return nil, ErrClosed
	}
	defer runtime.KeepAlive(m)
	sc, _ := m.scratch.Get().(*scratch)
	if sc == nil {
		return nil, &Error{Code: ResourceExhausted, Message: "hoop_mask_scratch_new"}
	}
	defer m.scratch.Put(sc)
	defer C.hoop_mask_scratch_reset(sc.h)
	var out *C.char
	var n C.size_t
	var e *C.hoop_error
	if err := check(call(sc.h, &out, &n, &e), e); err != nil {
		return nil, err
	}
	if out == nil {
		return value, nil
	}
	return goBytes(unsafe.Pointer(out), n), nil
}

// CounterNames returns the detector names, then "COLUMN_RULE" and
// "FAIL_CLOSED".
func (m *Masker) CounterNames() []string {
	if m.h == nil {
		return nil
	}
	defer runtime.KeepAlive(m)
	names := make([]string, int(C.hoop_masker_num_counters(m.h)))
	for i := range names {
		names[i] = C.GoString(C.hoop_masker_counter_name(m.h, C.size_t(i)))
	}
	return names
}

// Close frees the handle. Idempotent.
func (m *Masker) Close() error {
	if m.h != nil {
		C.hoop_masker_free(m.h)
		m.h = nil
		runtime.SetFinalizer(m, nil)
	}
	return nil
}

// StreamMasker masks a stream cut into chunks (SSH output, an HTTP body): a
// value split across chunks is still masked; bytes that may start a value
// are held back until the next Write or Finish. One goroutine at a time.
type StreamMasker struct {
	h *C.hoop_stream_masker
	m *Masker
}

// NewStreamMasker starts a stream over m's profile.
func NewStreamMasker(m *Masker) (*StreamMasker, error) {
	if m.h == nil {
		return nil, ErrClosed
	}
	defer runtime.KeepAlive(m)
	var h *C.hoop_stream_masker
	var e *C.hoop_error
	if err := check(C.hoop_stream_masker_new(m.h, &h, &e), e); err != nil {
		return nil, err
	}
	s := &StreamMasker{h: h, m: m}
	runtime.SetFinalizer(s, (*StreamMasker).Close)
	return s, nil
}

// Write consumes a chunk and returns the bytes now final (maybe none).
func (s *StreamMasker) Write(chunk []byte) ([]byte, error) {
	if s.h == nil {
		return nil, ErrClosed
	}
	defer runtime.KeepAlive(s)
	p, n := cBytes(chunk)
	var out *C.char
	var outN C.size_t
	var e *C.hoop_error
	if err := check(C.hoop_stream_masker_write(s.h, p, n, &out, &outN, &e), e); err != nil {
		return nil, err
	}
	return goBytes(unsafe.Pointer(out), outN), nil
}

// Finish ends the stream and returns what was held back. The stream may
// then be reused.
func (s *StreamMasker) Finish() ([]byte, error) {
	if s.h == nil {
		return nil, ErrClosed
	}
	defer runtime.KeepAlive(s)
	var out *C.char
	var outN C.size_t
	var e *C.hoop_error
	if err := check(C.hoop_stream_masker_finish(s.h, &out, &outN, &e), e); err != nil {
		return nil, err
	}
	return goBytes(unsafe.Pointer(out), outN), nil
}

// Close frees the stream. Idempotent.
func (s *StreamMasker) Close() error {
	if s.h != nil {
		C.hoop_stream_masker_free(s.h)
		s.h = nil
		runtime.SetFinalizer(s, nil)
	}
	return nil
}
