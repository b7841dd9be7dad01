// Copyright 2026 The hoop Authors.

package hoop

/*
#include <stdint.h>
#include <stdlib.h>
#include "hoop/hoop.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"time"
	"unsafe"
)

// Direction says whose socket bytes were read from.
type Direction int

const (
	ClientToServer Direction = 0 // bytes read from the client
	ServerToClient Direction = 1 // bytes read from the server
)

// EventKind says what an Event reports.
type EventKind int

const (
	EventStartup           EventKind = 0 // Text: "user=… database=… application_name=…"
	EventCommand           EventKind = 1 // a command was decided (Decision, RuleID)
	EventApprovalRequested EventKind = 2 // held; RequestID names it
	EventApprovalResolved  EventKind = 3 // approved, denied, expired or cancelled
	EventResult            EventKind = 4 // a command finished; Rows
	EventError             EventKind = 5 // protocol/masking/recorder; see Fatal
	EventTLSRequested      EventKind = 6 // SSLRequest answered 'S' (EncryptionAccept)
)

var eventKindNames = []string{"startup", "command", "approval_requested",
	"approval_resolved", "result", "error", "tls_requested"}

func (k EventKind) String() string {
	if int(k) >= 0 && int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Decision is a policy verdict.
type Decision int

const (
	Allow  Decision = 0
	Review Decision = 1
	Deny   Decision = 2
)

func (d Decision) String() string {
	switch d {
	case Allow:
		return "allow"
	case Review:
		return "review"
	case Deny:
		return "deny"
	}
	return fmt.Sprintf("Decision(%d)", int(d))
}

// Resolution is how a held command ended.
type Resolution int

const (
	Approve Resolution = 0
	Reject  Resolution = 1 // denied by a person (hoop_resolution DENY)
	Expire  Resolution = 2 // the review timed out (Tick)
	Cancel  Resolution = 3 // the session ended while it was held
)

func (r Resolution) String() string {
	switch r {
	case Approve:
		return "approve"
	case Reject:
		return "deny"
	case Expire:
		return "expire"
	case Cancel:
		return "cancel"
	}
	return fmt.Sprintf("Resolution(%d)", int(r))
}

// EndReason is why a session ended (session.v1.EndReason), for Finish.
type EndReason int

const (
	EndUnspecified        EndReason = 0
	EndClientClosed       EndReason = 1
	EndServerClosed       EndReason = 2
	EndProtocolError      EndReason = 3
	EndPolicy             EndReason = 4
	EndRecorderOverloaded EndReason = 5
	EndGatewayShutdown    EndReason = 6
	EndIdleTimeout        EndReason = 7
)

// Encryption is the answer to a client's SSLRequest or GSSENCRequest.
type Encryption int

const (
	EncryptionRefuse  Encryption = 0 // 'N': the client goes on in clear text
	EncryptionAccept  Encryption = 1 // 'S' + EventTLSRequested: the proxy terminates TLS
	EncryptionForward Encryption = 2 // to the server; if it says 'S' the session fails closed
)

// Event is what happened, for logs, metrics and the approval workflow.
type Event struct {
	Kind       EventKind
	Decision   Decision   // EventCommand
	Resolution Resolution // EventApprovalResolved
	Fatal      bool       // EventError: the session cannot go on
	CommandID  uint64     // EventCommand, EventApproval*, EventResult
	Rows       uint64     // EventResult
	RequestID  string     // EventApproval*: what Resolve takes
	RuleID     string     // EventCommand: the deciding rule ("" default deny)
	Text       string     // the statement (masked), command tag, error, ...
	Reason     string     // EventCommand: why (deny: what the client saw)
}

// Output is what the proxy must do after a call. It is Go memory, copied
// from the session: keep it as long as you like.
type Output struct {
	// ToServer and ToClient are the bytes to write, in order; as a
	// net.Buffers they are written with one writev.
	ToServer [][]byte
	ToClient [][]byte
	Events   []Event
	// Close: write what is above, then close both connections (malformed
	// input, a failed recorder, too much pipelined behind a held command).
	Close bool
}

// Stats are a session's cumulative counters.
type Stats struct {
	BytesClientToServer    uint64 // fed from the client
	BytesServerToClient    uint64 // fed from the server
	BytesForwardedToServer uint64
	BytesForwardedToClient uint64
	Commands               uint64
	Allowed, Denied        uint64
	Reviewed               uint64
	Rows                   uint64
	RowsRewritten          uint64 // DataRows with a masked cell
	CellsMasked            uint64
	BinaryCellsUnmasked    uint64 // binary cells of non-text types
	HeldBytes              uint64 // now
}

// SessionOptions make a PostgreSQL session. Zero values mean the library's
// defaults.
type SessionOptions struct {
	SessionID string    // required: names records and approval requests
	Policy    *Policy   // required
	Identity  *Identity // nil: an empty person
	Resource  string    // the connection's name for the policy
	Labels    map[string]string
	Masker    *Masker            // the default masking profile; nil: none
	Profiles  map[string]*Masker // profiles that rules name
	Recorder  *Recorder          // nil: no records
	// Then a held command is denied (expired); 0: 5 minutes.
	ReviewTimeout  time.Duration
	MaxHeldBytes   int    // pipelined behind a held command; 0: 1 MiB
	MaxMessageSize uint32 // largest protocol message; 0: 1 GiB
	SSL, GSSEnc    Encryption
	StartNormal    bool // the proxy did startup and authentication itself
	NoReviewNotice bool // no NoticeResponse to a client that is held
	ClientAddress  string
	GatewayID      string
}

// Session is one proxied PostgreSQL connection. Use it from one goroutine
// at a time (Feed, Resolve, Tick and Finish must not overlap: serialise
// them, e.g. with a mutex per connection). Close it when the connection is
// gone.
type Session struct {
	h    *C.hoop_session
	sink *recordSink
}

func setStr(set func(*C.char, **C.hoop_error) C.hoop_status, s string) error {
	p := cString(s)
	defer free(p)
	var e *C.hoop_error
	return check(set(p, &e), e)
}

// NewPostgresSession makes a session. Errors: InvalidArgument without a
// session id or policy; a recorder's error.
func NewPostgresSession(o SessionOptions) (*Session, error) {
	if o.Policy == nil || o.Policy.h == nil {
		return nil, &Error{Code: InvalidArgument, Message: "SessionOptions.Policy is required"}
	}
	opts := C.hoop_session_options_new()
	if opts == nil {
		return nil, &Error{Code: ResourceExhausted, Message: "hoop_session_options_new"}
	}
	defer C.hoop_session_options_free(opts)
	defer runtime.KeepAlive(o.Policy)
	defer runtime.KeepAlive(o.Identity)
	defer runtime.KeepAlive(o.Masker)
	defer runtime.KeepAlive(o.Profiles)
	defer runtime.KeepAlive(o.Recorder)

	var e *C.hoop_error
	steps := []func() error{
		func() error {
			return setStr(func(p *C.char, e **C.hoop_error) C.hoop_status {
				return C.hoop_session_options_set_session_id(opts, p, e)
			}, o.SessionID)
		},
		func() error { return check(C.hoop_session_options_set_policy(opts, o.Policy.h, &e), e) },
		func() error {
			return setStr(func(p *C.char, e **C.hoop_error) C.hoop_status {
				return C.hoop_session_options_set_resource(opts, p, C.HOOP_RESOURCE_POSTGRES, e)
			}, o.Resource)
		},
		func() error { return check(C.hoop_session_options_set_ssl(opts, C.hoop_pg_encryption(o.SSL), &e), e) },
		func() error {
			return check(C.hoop_session_options_set_gssenc(opts, C.hoop_pg_encryption(o.GSSEnc), &e), e)
		},
	}
	if o.Identity != nil {
		if o.Identity.h == nil {
			return nil, ErrClosed
		}
		steps = append(steps, func() error {
			return check(C.hoop_session_options_set_identity(opts, o.Identity.h, &e), e)
		})
	}
	for k, v := range o.Labels {
		k, v := k, v
		steps = append(steps, func() error {
			ck, cv := cString(k), cString(v)
			defer free(ck)
			defer free(cv)
			return check(C.hoop_session_options_add_resource_label(opts, ck, cv, &e), e)
		})
	}
	if o.Masker != nil {
		if o.Masker.h == nil {
			return nil, ErrClosed
		}
		steps = append(steps, func() error {
			return check(C.hoop_session_options_set_masker(opts, o.Masker.h, &e), e)
		})
	}
	for name, m := range o.Profiles {
		name, m := name, m
		if m == nil || m.h == nil {
			return nil, &Error{Code: InvalidArgument, Message: "profile " + name + ": nil or closed Masker"}
		}
		steps = append(steps, func() error {
			return setStr(func(p *C.char, e **C.hoop_error) C.hoop_status {
				return C.hoop_session_options_add_profile(opts, p, m.h, e)
			}, name)
		})
	}
	if o.Recorder != nil {
		if o.Recorder.h == nil {
			return nil, ErrClosed
		}
		steps = append(steps, func() error {
			return check(C.hoop_session_options_set_recorder(opts, o.Recorder.h, &e), e)
		})
	}
	if o.ReviewTimeout > 0 {
		ms := o.ReviewTimeout.Milliseconds()
		if ms < 1 {
			ms = 1
		}
		steps = append(steps, func() error {
			return check(C.hoop_session_options_set_review_timeout_ms(opts, C.int64_t(ms), &e), e)
		})
	}
	if o.MaxHeldBytes > 0 {
		steps = append(steps, func() error {
			return check(C.hoop_session_options_set_max_held_bytes(opts, C.size_t(o.MaxHeldBytes), &e), e)
		})
	}
	if o.MaxMessageSize > 0 {
		steps = append(steps, func() error {
			return check(C.hoop_session_options_set_max_message_size(opts, C.uint32_t(o.MaxMessageSize), &e), e)
		})
	}
	if o.StartNormal {
		steps = append(steps, func() error {
			return check(C.hoop_session_options_set_start(opts, C.HOOP_PG_START_NORMAL, &e), e)
		})
	}
	if o.NoReviewNotice {
		steps = append(steps, func() error { return check(C.hoop_session_options_set_notify_review(opts, 0, &e), e) })
	}
	if o.ClientAddress != "" {
		steps = append(steps, func() error {
			return setStr(func(p *C.char, e **C.hoop_error) C.hoop_status {
				return C.hoop_session_options_set_client_address(opts, p, e)
			}, o.ClientAddress)
		})
	}
	if o.GatewayID != "" {
		steps = append(steps, func() error {
			return setStr(func(p *C.char, e **C.hoop_error) C.hoop_status {
				return C.hoop_session_options_set_gateway_id(opts, p, e)
			}, o.GatewayID)
		})
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	var h *C.hoop_session
	if err := check(C.hoop_session_new_postgres(opts, &h, &e), e); err != nil {
		return nil, err
	}
	s := &Session{h: h}
	if o.Recorder != nil && o.Recorder.sink != nil {
		// The callback must outlive the session: released in Close.
		s.sink = o.Recorder.sink
		s.sink.ref()
	}
	runtime.SetFinalizer(s, (*Session).Close)
	return s, nil
}

// output copies the session's last output into Go memory.
func (s *Session) output() *Output {
	out := &Output{Close: C.hoop_session_should_close(s.h) != 0}
	// One allocation for all the bytes of both directions.
	buf := make([]byte, 0, int(C.hoop_session_to_server_bytes(s.h)+C.hoop_session_to_client_bytes(s.h)))
	slices := func(p *C.hoop_slice, n C.size_t) [][]byte {
		if n == 0 {
			return nil
		}
		var parts [][]byte
		for _, sl := range unsafe.Slice(p, int(n)) {
			if sl.len == 0 {
				continue
			}
			start := len(buf)
			buf = append(buf, unsafe.Slice((*byte)(unsafe.Pointer(sl.data)), int(sl.len))...)
			parts = append(parts, buf[start:len(buf):len(buf)])
		}
		return parts
	}
	var n C.size_t
	p := C.hoop_session_to_server(s.h, &n)
	out.ToServer = slices(p, n)
	p = C.hoop_session_to_client(s.h, &n)
	out.ToClient = slices(p, n)
	count := int(C.hoop_session_event_count(s.h))
	if count > 0 {
		out.Events = make([]Event, count)
	}
	for i := range out.Events {
		e := C.hoop_session_event(s.h, C.size_t(i))
		out.Events[i] = Event{
			Kind:       EventKind(e.kind),
			Decision:   Decision(e.decision),
			Resolution: Resolution(e.resolution),
			Fatal:      e.fatal != 0,
			CommandID:  uint64(e.command_id),
			Rows:       uint64(e.rows),
			RequestID:  goStringN(e.request_id, e.request_id_len),
			RuleID:     goStringN(e.rule_id, e.rule_id_len),
			Text:       goStringN(e.text, e.text_len),
			Reason:     goStringN(e.reason, e.reason_len),
		}
	}
	return out
}

// Feed hands the session the next bytes read from dir's socket and returns
// what to write. data is copied by the library during the call: reuse the
// buffer as soon as Feed returns. Malformed protocol input is not an error
// of the call: it is a fatal EventError and Output.Close. Errors:
// FailedPrecondition after Finish.
func (s *Session) Feed(dir Direction, data []byte) (*Output, error) {
	if s.h == nil {
		return nil, ErrClosed
	}
	defer runtime.KeepAlive(s)
	var e *C.hoop_error
	var p *C.uint8_t
	if len(data) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&data[0]))
	}
	if err := check(C.hoop_session_feed(s.h, C.hoop_direction(dir), p, C.size_t(len(data)), &e), e); err != nil {
		return nil, err
	}
	return s.output(), nil
}

// Resolve decides a held command (RequestID of an EventApprovalRequested):
// approve forwards it (and what was held behind it, decided in turn); deny
// answers it as a denied command. approver and reason are recorded.
// Errors: NotFound when nothing is held under requestID.
func (s *Session) Resolve(requestID string, approve bool, approver, reason string) (*Output, error) {
	if s.h == nil {
		return nil, ErrClosed
	}
	defer runtime.KeepAlive(s)
	rid, who, why := cString(requestID), cString(approver), cString(reason)
	defer free(rid)
	defer free(who)
	defer free(why)
	res := C.hoop_resolution(C.HOOP_RESOLUTION_APPROVE)
	if !approve {
		res = C.HOOP_RESOLUTION_DENY
	}
	var e *C.hoop_error
	if err := check(C.hoop_session_resolve(s.h, rid, res, who, why, &e), e); err != nil {
		return nil, err
	}
	return s.output(), nil
}

// Tick expires reviews whose deadline has passed. Cheap when none is due.
func (s *Session) Tick() (*Output, error) {
	if s.h == nil {
		return nil, ErrClosed
	}
	defer runtime.KeepAlive(s)
	var e *C.hoop_error
	if err := check(C.hoop_session_tick(s.h, &e), e); err != nil {
		return nil, err
	}
	return s.output(), nil
}

// NextDeadline returns when Tick next has work; ok is false when nothing is
// held.
func (s *Session) NextDeadline() (t time.Time, ok bool) {
	if s.h == nil {
		return time.Time{}, false
	}
	defer runtime.KeepAlive(s)
	ms := int64(C.hoop_session_next_deadline_ms(s.h))
	if ms < 0 {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}

// Finish ends the session: cancels held commands, records the end, and
// waits for the records to be written. Later Feed/Resolve/Tick fail with
// FailedPrecondition; a second Finish does nothing.
func (s *Session) Finish(reason EndReason, detail string) (*Output, error) {
	if s.h == nil {
		return nil, ErrClosed
	}
	defer runtime.KeepAlive(s)
	d := cString(detail)
	defer free(d)
	var e *C.hoop_error
	if err := check(C.hoop_session_finish(s.h, C.hoop_end_reason(reason), d, &e), e); err != nil {
		return nil, err
	}
	return s.output(), nil
}

// HeldRequests returns the request ids of the commands held now, oldest
// first.
func (s *Session) HeldRequests() []string {
	if s.h == nil {
		return nil
	}
	defer runtime.KeepAlive(s)
	ids := make([]string, int(C.hoop_session_held_count(s.h)))
	for i := range ids {
		ids[i] = C.GoString(C.hoop_session_held_request(s.h, C.size_t(i)))
	}
	return ids
}

// Stats returns the session's counters.
func (s *Session) Stats() Stats {
	if s.h == nil {
		return Stats{}
	}
	defer runtime.KeepAlive(s)
	var c C.hoop_session_stats
	C.hoop_session_get_stats(s.h, &c, C.size_t(unsafe.Sizeof(c)))
	return Stats{
		BytesClientToServer:    uint64(c.bytes_client_to_server),
		BytesServerToClient:    uint64(c.bytes_server_to_client),
		BytesForwardedToServer: uint64(c.bytes_forwarded_to_server),
		BytesForwardedToClient: uint64(c.bytes_forwarded_to_client),
		Commands:               uint64(c.commands),
		Allowed:                uint64(c.allowed),
		Denied:                 uint64(c.denied),
		Reviewed:               uint64(c.reviewed),
		Rows:                   uint64(c.rows),
		RowsRewritten:          uint64(c.rows_rewritten),
		CellsMasked:            uint64(c.cells_masked),
		BinaryCellsUnmasked:    uint64(c.binary_cells_unmasked),
		HeldBytes:              uint64(c.held_bytes),
	}
}

// Close frees the session (ending it as unspecified if Finish was not
// called). Idempotent; not concurrent with the session's other calls.
func (s *Session) Close() error {
	if s.h != nil {
		C.hoop_session_free(s.h)
		s.h = nil
		if s.sink != nil {
			s.sink.unref() // the C side will not call back any more
			s.sink = nil
		}
		runtime.SetFinalizer(s, nil)
	}
	return nil
}
