// Copyright 2026 The hoop Authors.

// Package hoop is the Go binding of libhoop: protocol-aware access for
// proxies. A proxy hands a Session every chunk it reads and writes out what
// the session returns: the client's commands that the policy allows, the
// server's results with sensitive values masked, the session's own replies
// to denied commands, and commands held for a person's approval.
//
//	policy, err := hoop.LoadPolicyFile("policy.yaml")
//	masker, err := hoop.DefaultMasker()
//	who, err := hoop.NewIdentity(hoop.IdentityFields{Subject: "agent-7", Kind: hoop.NonHuman})
//	s, err := hoop.NewPostgresSession(hoop.SessionOptions{
//		SessionID: "s-1", Policy: policy, Identity: who, Resource: "shop", Masker: masker})
//	defer s.Close()
//	out, err := s.Feed(hoop.ClientToServer, chunk)
//	toServer, toClient := net.Buffers(out.ToServer), net.Buffers(out.ToClient)
//	toServer.WriteTo(server)               // writev
//	toClient.WriteTo(client)
//	for _, e := range out.Events { ... }   // verdicts, reviews, results
//	if out.Close { ... }                   // write, then close both ends
//
// It is a cgo package over the C API (include/hoop/hoop.h): build with the
// header and libhoop.so where cgo finds them, e.g.
//
//	CGO_CFLAGS=-I<repo>/include CGO_LDFLAGS="-L<build>/capi -lhoop" \
//	LD_LIBRARY_PATH=<build>/capi go test ./...
//
// or nothing at all when hoop is installed under /usr/local.
//
// Memory: everything this package returns is Go memory, copied out of the
// library before the call returns, so it stays valid as long as you keep it
// (the C API's outputs live only until the next call on a session). Handles
// are freed by Close; a finalizer frees what was not closed.
//
// Errors: every failure is an *Error with the library's pinned status Code
// and message; compare with errors.Is(err, hoop.ErrNotFound) and friends.
package hoop

/*
#cgo LDFLAGS: -lhoop
#include <stdlib.h>
#include "hoop/hoop.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

// BindingVersion is the version of the C API this package was written for;
// Version() is that of the library loaded.
const BindingVersion = "0.1.0"

// Version returns the loaded library's version, e.g. "0.1.0".
func Version() string { return C.GoString(C.hoop_version()) }

// VersionNumber returns MAJOR*10000 + MINOR*100 + PATCH of the library.
func VersionNumber() int { return int(C.hoop_version_number()) }

// HeaderVersionNumber is HOOP_VERSION_NUMBER of the header compiled against.
const HeaderVersionNumber = int(C.HOOP_VERSION_NUMBER)

// Code is a status code of the C API: the canonical codes of absl and gRPC,
// pinned (never renumbered).
type Code int

const (
	OK                 Code = 0
	Cancelled          Code = 1
	Unknown            Code = 2
	InvalidArgument    Code = 3 // a bad document, argument or input
	DeadlineExceeded   Code = 4
	NotFound           Code = 5 // a missing file; nothing held under a request id
	AlreadyExists      Code = 6
	PermissionDenied   Code = 7
	ResourceExhausted  Code = 8 // out of memory; recorder overloaded
	FailedPrecondition Code = 9 // e.g. a call on a session after Finish
	Aborted            Code = 10
	OutOfRange         Code = 11
	Unimplemented      Code = 12
	Internal           Code = 13
	Unavailable        Code = 14
	DataLoss           Code = 15
	Unauthenticated    Code = 16 // a token failed verification
)

// String returns the code's name: "INVALID_ARGUMENT", ...
func (c Code) String() string { return C.GoString(C.hoop_status_name(C.hoop_status(c))) }

// Error is a failed call: the status code and the library's message, e.g.
// "policy.yaml:12:7: rules[1].sql.effects[0]: ...".
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return "hoop: " + e.Code.String() + ": " + e.Message }

// Is reports whether target is an *Error with the same code and, if the
// target has one, the same message: errors.Is(err, hoop.ErrNotFound).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && (t.Message == "" || t.Message == e.Message)
}

// Sentinels for errors.Is, one per code that callers act on.
var (
	ErrInvalidArgument    = &Error{Code: InvalidArgument}
	ErrNotFound           = &Error{Code: NotFound}
	ErrFailedPrecondition = &Error{Code: FailedPrecondition}
	ErrResourceExhausted  = &Error{Code: ResourceExhausted}
	ErrUnauthenticated    = &Error{Code: Unauthenticated}
	ErrInternal           = &Error{Code: Internal}
)

// ErrClosed is returned by methods called after Close.
var ErrClosed = errors.New("hoop: use of a closed handle")

// CodeOf returns the Code of an *Error in err's chain, OK for nil, and
// Unknown for other errors.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Unknown
}

// check turns a status and its error object into an *Error (freeing it).
func check(status C.hoop_status, err *C.hoop_error) error {
	if status == C.HOOP_OK {
		return nil
	}
	if err == nil {
		return &Error{Code: Code(status), Message: Code(status).String()}
	}
	e := &Error{Code: Code(C.hoop_error_code(err)), Message: C.GoString(C.hoop_error_message(err))}
	C.hoop_error_free(err)
	return e
}

// cBytes points C at a Go byte slice for the duration of one call (the C API
// never keeps caller memory: hoop.h's "Caller memory").
func cBytes(b []byte) (*C.char, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// cString is a NUL-terminated copy in C memory; free it with C.free.
func cString(s string) *C.char { return C.CString(s) }

func free(p *C.char) {
	if p != nil {
		C.free(unsafe.Pointer(p))
	}
}

func goBytes(p unsafe.Pointer, n C.size_t) []byte {
	if p == nil || n == 0 {
		return []byte{}
	}
	return C.GoBytes(p, C.int(n))
}

func goStringN(p *C.char, n C.size_t) string {
	if p == nil || n == 0 {
		return ""
	}
	return C.GoStringN(p, C.int(n))
}

func init() {
	// The library loaded must speak the API this package was written for.
	if lib := VersionNumber(); lib/100 != HeaderVersionNumber/100 {
		panic(fmt.Sprintf("hoop: libhoop %s loaded, the binding needs %s.x", Version(),
			BindingVersion[:3]))
	}
}
