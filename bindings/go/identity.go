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
	"math"
	"runtime"
	"time"
	"unsafe"
)

// IdentityKind tells people from automation.
type IdentityKind int

const (
	Person   IdentityKind = 0
	NonHuman IdentityKind = 1 // automation agent, service account, CI job
)

func (k IdentityKind) String() string {
	switch k {
	case Person:
		return "person"
	case NonHuman:
		return "non_human"
	}
	return fmt.Sprintf("IdentityKind(%d)", int(k))
}

// ParseIdentityKind reads "person" or "non_human".
func ParseIdentityKind(s string) (IdentityKind, error) {
	switch s {
	case "person":
		return Person, nil
	case "non_human":
		return NonHuman, nil
	}
	return 0, &Error{Code: InvalidArgument, Message: fmt.Sprintf("identity kind %q: want person or non_human", s)}
}

// IdentityFields is an identity the embedder vouches for (it verified it).
type IdentityFields struct {
	Subject string
	Email   string
	Groups  []string
	Kind    IdentityKind
}

// Identity is who is on the client side. Immutable; sessions copy it.
type Identity struct {
	h *C.hoop_identity
}

func newIdentity(h *C.hoop_identity) *Identity {
	id := &Identity{h: h}
	runtime.SetFinalizer(id, (*Identity).Close)
	return id
}

// NewIdentity makes an identity from fields.
func NewIdentity(f IdentityFields) (*Identity, error) {
	subject, email := cString(f.Subject), cString(f.Email)
	defer free(subject)
	defer free(email)
	// An array of C strings in C memory (Go memory must not hold the
	// pointers C reads, cgo's rule).
	var groups **C.char
	if len(f.Groups) > 0 {
		groups = (**C.char)(C.malloc(C.size_t(len(f.Groups)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
		defer C.free(unsafe.Pointer(groups))
		arr := unsafe.Slice(groups, len(f.Groups))
		for i, g := range f.Groups {
			arr[i] = cString(g)
			defer free(arr[i])
		}
	}
	var h *C.hoop_identity
	var e *C.hoop_error
	if err := check(C.hoop_identity_new(subject, email, groups, C.size_t(len(f.Groups)),
		C.hoop_identity_kind(f.Kind), &h, &e), e); err != nil {
		return nil, err
	}
	return newIdentity(h), nil
}

// NewIdentityFromToken verifies a compact JWS ID token against a JWKS
// (JSON), the issuer ("iss") and an audience ("aud" must contain it), with
// 60 s leeway, and maps its claims to an identity. Algorithms: RS*, PS*,
// ES*, EdDSA; never none or HS*. Errors: Unauthenticated for a token that
// fails verification (the message names the check, e.g. "bad_signature");
// InvalidArgument for an unusable JWKS or an empty issuer or audience.
func NewIdentityFromToken(token string, jwks []byte, issuer, audience string) (*Identity, error) {
	tok := []byte(token)
	tp, tn := cBytes(tok)
	jp, jn := cBytes(jwks)
	iss, aud := cString(issuer), cString(audience)
	defer free(iss)
	defer free(aud)
	var h *C.hoop_identity
	var e *C.hoop_error
	if err := check(C.hoop_identity_new_from_token(tp, tn, jp, jn, iss, aud, &h, &e), e); err != nil {
		return nil, err
	}
	return newIdentity(h), nil
}

func (id *Identity) str(f func(*C.hoop_identity) *C.char) string {
	if id.h == nil {
		return ""
	}
	defer runtime.KeepAlive(id)
	return C.GoString(f(id.h))
}

func (id *Identity) Subject() string {
	return id.str(func(h *C.hoop_identity) *C.char { return C.hoop_identity_subject(h) })
}
func (id *Identity) Email() string {
	return id.str(func(h *C.hoop_identity) *C.char { return C.hoop_identity_email(h) })
}
func (id *Identity) Name() string {
	return id.str(func(h *C.hoop_identity) *C.char { return C.hoop_identity_name(h) })
}
func (id *Identity) Issuer() string {
	return id.str(func(h *C.hoop_identity) *C.char { return C.hoop_identity_issuer(h) })
}
func (id *Identity) ClientID() string {
	return id.str(func(h *C.hoop_identity) *C.char { return C.hoop_identity_client_id(h) })
}

// Kind returns Person or NonHuman.
func (id *Identity) Kind() IdentityKind {
	if id.h == nil {
		return Person
	}
	defer runtime.KeepAlive(id)
	return IdentityKind(C.hoop_identity_get_kind(id.h))
}

// Groups returns the groups (from the token's groups claim, or the fields).
func (id *Identity) Groups() []string {
	if id.h == nil {
		return nil
	}
	defer runtime.KeepAlive(id)
	groups := make([]string, int(C.hoop_identity_group_count(id.h)))
	for i := range groups {
		groups[i] = C.GoString(C.hoop_identity_group(id.h, C.size_t(i)))
	}
	return groups
}

// Expires returns the token's exp; ok is false for identities from fields.
func (id *Identity) Expires() (t time.Time, ok bool) {
	if id.h == nil {
		return time.Time{}, false
	}
	defer runtime.KeepAlive(id)
	exp := int64(C.hoop_identity_expires_unix(id.h))
	if exp == math.MaxInt64 {
		return time.Time{}, false
	}
	return time.Unix(exp, 0), true
}

// Close frees the handle. Idempotent.
func (id *Identity) Close() error {
	if id.h != nil {
		C.hoop_identity_free(id.h)
		id.h = nil
		runtime.SetFinalizer(id, nil)
	}
	return nil
}
